import { describe, expect, it } from 'vitest';
import { expandSluiceDeclarations } from '../../../lib/config/expandSluiceDeclarations.js';
import type { ServerlessConfig } from '../../../lib/config/serverlessConfig.js';
import { ConfigError } from '../../../lib/core/errors.js';

function config(): ServerlessConfig {
  return {
    service: 'shop',
    provider: { name: 'aws', timeout: 10 },
    custom: { sluice: { maxReceiveCount: 7 } },
    functions: {
      'orders-sync': { handler: 'functions/ordersSync.handler', timeout: 30, events: [{ httpApi: 'POST /orders' }] },
      clicks: { handler: 'functions/clicks.handler', sluice: { queue: { batchSize: 50, maximumBatchingWindow: 2, maxReceiveCount: 3 } } },
      hook: { handler: 'functions/hook.handler', sluice: { queue: false } },
      plain: { handler: 'plain.main', sluice: false, events: [{ http: 'GET /plain' }] },
    },
    resources: { Resources: { Existing: { Type: 'AWS::SQS::Queue' } } },
  };
}

describe('expandSluiceDeclarations', () => {
  it('adds a task queue, its DLQ and an sqs event per process, without touching the input', () => {
    const input = config();
    const before = structuredClone(input);

    const expanded = expandSluiceDeclarations(input, { stage: 'prod' });

    expect(input).toEqual(before);
    expect(expanded.processes.map((process) => [process.name, process.timeoutSeconds, process.taskQueue?.name])).toEqual([
      ['orders-sync', 30, 'shop-prod-orders-sync'],
      ['clicks', 10, 'shop-prod-clicks'],
      ['hook', 10, undefined],
    ]);
    const resources = expanded.config.resources?.Resources ?? {};
    expect(Object.keys(resources)).toEqual([
      'Existing',
      'SluiceOrdersDashsyncTaskDlq',
      'SluiceOrdersDashsyncTaskQueue',
      'SluiceClicksTaskDlq',
      'SluiceClicksTaskQueue',
    ]);
    expect(resources.SluiceOrdersDashsyncTaskQueue).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'shop-prod-orders-sync',
        VisibilityTimeout: 180,
        MessageRetentionPeriod: 345600,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['SluiceOrdersDashsyncTaskDlq', 'Arn'] }, maxReceiveCount: 7 },
      },
    });
    expect(resources.SluiceOrdersDashsyncTaskDlq).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'shop-prod-orders-sync-dlq', MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
    });
    expect(resources.SluiceClicksTaskQueue?.Properties?.RedrivePolicy).toMatchObject({ maxReceiveCount: 3 });
    expect(resources.SluiceClicksTaskQueue?.Properties?.VisibilityTimeout).toBe(60);

    const functions = expanded.config.functions;
    expect(functions['orders-sync']?.events).toEqual([
      { httpApi: 'POST /orders' },
      // Bounded by the function's concurrency (custom.sluice.defaultConcurrency, 64): one backlog cannot take the account's pool.
      { sqs: { arn: { 'Fn::GetAtt': ['SluiceOrdersDashsyncTaskQueue', 'Arn'] }, batchSize: 10, maximumConcurrency: 64 } },
    ]);
    expect(functions.clicks?.events).toEqual([
      { sqs: { arn: { 'Fn::GetAtt': ['SluiceClicksTaskQueue', 'Arn'] }, batchSize: 50, maximumBatchingWindow: 2, maximumConcurrency: 64 } },
    ]);
    expect(functions.hook?.events).toBeUndefined();
    expect(functions.plain).toEqual(input.functions.plain);
    expect(expanded.settings).toMatchObject({ maxReceiveCount: 7, retentionDays: 30, platformHandler: 'lib/aws/lambda/platformHandler.handler' });
  });

  it('bounds every SQS trigger of a process by its concurrency (MaximumConcurrency), unless the event sets its own (issue 7, item 2)', () => {
    const expanded = expandSluiceDeclarations(
      {
        service: 'shop',
        provider: { name: 'aws' },
        custom: { sluice: { defaultConcurrency: 20 } },
        functions: {
          a: { handler: 'f.handler', reservedConcurrency: 5, events: [{ sqs: 'arn:aws:sqs:us-east-1:1:feed' }] },
          b: { handler: 'f.handler', events: [{ sqs: { arn: 'arn:aws:sqs:us-east-1:1:feed', maximumConcurrency: 3 } }] },
          c: { handler: 'f.handler', reservedConcurrency: 1000000, sluice: { queue: false }, events: [{ sqs: { arn: 'arn:aws:sqs:us-east-1:1:feed' } }] },
          d: { handler: 'f.handler', reservedConcurrency: 1 },
        },
      },
      { stage: 'dev' },
    );
    const sqsOf = (name: string) => (expanded.config.functions[name]?.events as Array<{ sqs?: { maximumConcurrency?: number } }>).filter((e) => e.sqs).map((e) => e.sqs!.maximumConcurrency);
    expect(sqsOf('a')).toEqual([5, 5]);
    expect(sqsOf('b')).toEqual([3, 20]);
    expect(sqsOf('c')).toEqual([1000]);
    expect(sqsOf('d')).toEqual([undefined]);
  });

  it('rejects names SQS would refuse', () => {
    const input = config();
    input.service = 'a-very-long-service-name-that-keeps-going-and-going-on';
    expect(() => expandSluiceDeclarations(input, { stage: 'production' })).toThrow(ConfigError);
    expect(() => expandSluiceDeclarations(input, { stage: 'production' })).toThrow(/SQS allows 1 to 80/);
  });
});
