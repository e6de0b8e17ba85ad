/**
 * EventBridge has no emulator on this machine (see toolchain.md §5), so this
 * file checks request building only: a real EventBridgeClient serializes
 * each command to its HTTP request, and a middleware in the `build` step
 * records the request (X-Amz-Target + JSON body, exactly what AWS would
 * receive) and answers it instead of the network. That is enough for what
 * this adapter does (build requests, follow pagination, read failure
 * entries); rule semantics (cron evaluation, invoking the target) are AWS's
 * and are not claimed to be tested here.
 */
import { EventBridgeClient, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { EventBridgeScheduler, type ScheduledRule } from '../../lib/aws/EventBridgeScheduler.js';
import { SluiceError, ValidationError } from '../../lib/core/errors.js';

interface SentRequest {
  operation: string;
  body: Record<string, unknown>;
}

type Responder = (operation: string, body: Record<string, unknown>) => unknown;

function recordingClient(respond: Responder): { client: EventBridgeClient; sent: SentRequest[] } {
  // The endpoint is a closed local port: should the short-circuit ever fail, nothing leaves the machine.
  const client = new EventBridgeClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
      const operation = String(request.headers['x-amz-target']).replace(/^AWSEvents\./, '');
      const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
      const body = JSON.parse(text) as Record<string, unknown>;
      sent.push({ operation, body });
      return { output: { $metadata: {}, ...(respond(operation, body) as object) } as never, response: {} as never };
    },
    { step: 'build', name: 'recordAndAnswer' },
  );
  return { client, sent };
}

const rule: ScheduledRule = {
  name: 'sluice-dev-orders-nightly',
  scheduleExpression: 'cron(0 2 * * ? *)',
  enabled: true,
  description: 'nightly order export',
  targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:sluice-dev-scheduler',
  input: { schedule: 'orders-nightly', payload: { since: 'yesterday' } },
};

const ok: Responder = (operation, body) => {
  switch (operation) {
    case 'PutRule':
      return { RuleArn: `arn:aws:events:eu-west-1:123456789012:rule/${String(body.Name)}` };
    case 'PutTargets':
    case 'RemoveTargets':
      return { FailedEntryCount: 0, FailedEntries: [] };
    default:
      return {};
  }
};

describe('EventBridgeScheduler (request building; no EventBridge emulator exists)', () => {
  it('put creates or updates the rule, then its Lambda target with the JSON input', async () => {
    const { client, sent } = recordingClient(ok);
    const scheduler = new EventBridgeScheduler({ client });
    expect(await scheduler.put(rule)).toEqual({ ruleArn: 'arn:aws:events:eu-west-1:123456789012:rule/sluice-dev-orders-nightly' });
    expect(sent).toEqual([
      { operation: 'PutRule', body: { Name: rule.name, ScheduleExpression: 'cron(0 2 * * ? *)', State: 'ENABLED', Description: 'nightly order export' } },
      { operation: 'PutTargets', body: { Rule: rule.name, Targets: [{ Id: 'sluice', Arn: rule.targetArn, Input: JSON.stringify(rule.input) }] } },
    ]);
    await scheduler.put({ ...rule, enabled: false, description: undefined });
    expect(sent[2]).toEqual({ operation: 'PutRule', body: { Name: rule.name, ScheduleExpression: 'cron(0 2 * * ? *)', State: 'DISABLED' } });
  });

  it('reports a target EventBridge did not accept', async () => {
    const { client } = recordingClient((operation, body) =>
      operation === 'PutTargets' ? { FailedEntryCount: 1, FailedEntries: [{ TargetId: 'sluice', ErrorCode: 'ValidationException', ErrorMessage: 'bad arn' }] } : ok(operation, body),
    );
    await expect(new EventBridgeScheduler({ client }).put(rule)).rejects.toThrow(/PutTargets on 'sluice-dev-orders-nightly' failed: ValidationException bad arn/);
  });

  it('rejects an invalid rule before sending anything', async () => {
    const { client, sent } = recordingClient(ok);
    const scheduler = new EventBridgeScheduler({ client });
    for (const bad of [
      { ...rule, name: 'has spaces' },
      { ...rule, scheduleExpression: '0 2 * * *' },
      { ...rule, targetArn: 'arn:aws:sqs:eu-west-1:123456789012:queue' },
      { ...rule, input: { blob: 'x'.repeat(9000) } },
    ]) {
      await expect(scheduler.put(bad)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(sent).toEqual([]);
  });

  it('delete removes every target of the rule, then the rule', async () => {
    const { client, sent } = recordingClient((operation, body) => {
      if (operation === 'ListTargetsByRule') {
        return body.NextToken ? { Targets: [{ Id: 'extra', Arn: 'arn:x' }] } : { Targets: [{ Id: 'sluice', Arn: rule.targetArn }], NextToken: 't2' };
      }
      return ok(operation, body);
    });
    expect(await new EventBridgeScheduler({ client }).delete(rule.name)).toEqual({ deleted: true });
    expect(sent).toEqual([
      { operation: 'ListTargetsByRule', body: { Rule: rule.name } },
      { operation: 'ListTargetsByRule', body: { Rule: rule.name, NextToken: 't2' } },
      { operation: 'RemoveTargets', body: { Rule: rule.name, Ids: ['sluice', 'extra'] } },
      { operation: 'DeleteRule', body: { Name: rule.name } },
    ]);
  });

  it('delete of a rule that does not exist reports deleted: false', async () => {
    const { client } = recordingClient(() => {
      throw new ResourceNotFoundException({ message: 'Rule sluice-x does not exist.', $metadata: {} });
    });
    expect(await new EventBridgeScheduler({ client }).delete('sluice-x')).toEqual({ deleted: false });
  });

  it('list follows pages by name prefix and keeps only scheduled rules', async () => {
    const { client, sent } = recordingClient((operation, body) => {
      if (operation !== 'ListRules') return {};
      if (!body.NextToken) {
        return {
          Rules: [
            { Name: 'sluice-dev-a', Arn: 'arn:a', ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' },
            { Name: 'sluice-dev-pattern', Arn: 'arn:p', EventPattern: '{"source":["x"]}', State: 'ENABLED' },
          ],
          NextToken: 'next',
        };
      }
      return { Rules: [{ Name: 'sluice-dev-b', Arn: 'arn:b', ScheduleExpression: 'cron(0 * * * ? *)', State: 'DISABLED', Description: 'hourly' }] };
    });
    expect(await new EventBridgeScheduler({ client }).list('sluice-dev-')).toEqual([
      { name: 'sluice-dev-a', arn: 'arn:a', scheduleExpression: 'rate(5 minutes)', enabled: true },
      { name: 'sluice-dev-b', arn: 'arn:b', scheduleExpression: 'cron(0 * * * ? *)', enabled: false, description: 'hourly' },
    ]);
    expect(sent).toEqual([
      { operation: 'ListRules', body: { NamePrefix: 'sluice-dev-', Limit: 100 } },
      { operation: 'ListRules', body: { NamePrefix: 'sluice-dev-', NextToken: 'next', Limit: 100 } },
    ]);
  });

  it('wraps other EventBridge failures with their cause', async () => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { client } = recordingClient(() => {
      throw cause;
    });
    const error = await new EventBridgeScheduler({ client }).list('sluice-').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).cause).toBe(cause);
  });
});
