import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import type { TriggerRecord } from '../../../lib/core/triggers/TriggerRecord.js';
import { EventSourceMappings } from '../../../lib/aws/triggers/EventSourceMappings.js';
import { SchedulerSchedules } from '../../../lib/aws/triggers/SchedulerSchedules.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { awsError, StubAwsTransport, TEST_CREDENTIALS, type CapturedRequest } from '../../helpers/stubAwsTransport.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const fnArn = (process: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shop-dev-${process}`;
const queueArn = (queue: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/shop-dev-runtime-scheduler`;
const T0 = Date.parse('2026-11-29T10:00:00.000Z');

function scheduleTrigger(overrides: Partial<TriggerRecord> = {}, spec: Record<string, unknown> = {}): TriggerRecord {
  return {
    triggerId: 'trg_AbCdEfGhIjKlMnOp',
    process: 'orders',
    source: 'runtime',
    spec: { kind: 'schedule', expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Berlin', overlap: 'skip', input: { region: '<eu>' }, ...spec } as TriggerRecord['spec'],
    paused: false,
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version: 1,
    ...overrides,
  };
}

function schedulerOf(answer: (r: CapturedRequest) => ReturnType<StubAwsTransport['answer']>) {
  const transport = new StubAwsTransport(answer);
  const clock = new ManualClock(T0);
  const schedules = new SchedulerSchedules({
    client: new SchedulerClient({ region: REGION, credentials: TEST_CREDENTIALS, requestHandler: transport, maxAttempts: 1 }),
    group: 'sluice-shop-dev',
    roleArn: ROLE,
    functionArnOf: fnArn,
    deadLetterArn: queueArn('shop-dev-async-failures'),
    clock,
  });
  return { transport, schedules, clock };
}

const listed = (...schedules: Array<{ name: string; state: 'ENABLED' | 'DISABLED'; modifiedMs: number; process?: string }>) => ({
  body: {
    Schedules: schedules.map((s) => ({ Name: s.name, GroupName: 'sluice-shop-dev', State: s.state, LastModificationDate: s.modifiedMs / 1000, CreationDate: T0 / 1000 - 60, Target: { Arn: fnArn(s.process ?? 'orders') } })),
  },
});

describe('SchedulerSchedules on the real Scheduler client', () => {
  it('creates a missing runtime schedule: POST /schedules/{name}, signed for scheduler, with the firing event of a static schedule', async () => {
    const { transport, schedules } = schedulerOf((r) => (r.method === 'GET' ? listed() : { body: { ScheduleArn: 'arn:aws:scheduler:::schedule/sluice-shop-dev/trg_AbCdEfGhIjKlMnOp' } }));
    await schedules.follow([scheduleTrigger({}, { startAt: '2026-12-01T00:00:00Z', endAt: '2027-01-01T00:00:00Z' })]);

    const [list, create] = transport.requests;
    expect(list).toMatchObject({ method: 'GET', hostname: `scheduler.${REGION}.amazonaws.com`, path: '/schedules', query: { ScheduleGroup: 'sluice-shop-dev', NamePrefix: 'trg_', MaxResults: '100' } });
    expect(create!.method).toBe('POST');
    expect(create!.path).toBe('/schedules/trg_AbCdEfGhIjKlMnOp');
    expect(create!.headers['content-type']).toBe('application/json');
    expect(create!.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/${REGION}/scheduler/aws4_request`));
    const body = create!.json as Record<string, unknown>;
    expect(body).toMatchObject({
      GroupName: 'sluice-shop-dev',
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      StartDate: Date.parse('2026-12-01T00:00:00Z') / 1000,
      EndDate: Date.parse('2027-01-01T00:00:00Z') / 1000,
      Target: { Arn: fnArn('orders'), RoleArn: ROLE, RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 }, DeadLetterConfig: { Arn: queueArn('shop-dev-async-failures') } },
    });
    expect(typeof body.ClientToken).toBe('string');
    // The same event as a static schedule's, '<' escaped so Scheduler cannot take it for a placeholder.
    const input = (body.Target as { Input: string }).Input;
    expect(input).toBe('{"sluiceSchedule":{"rule":"trg_AbCdEfGhIjKlMnOp","time":"<aws.scheduler.scheduled-time>","input":{"region":"\\u003ceu\\u003e"}}}');
    expect(JSON.parse(input.replace('"<aws.scheduler.scheduled-time>"', '"2026-12-01T08:00:00Z"'))).toEqual({ sluiceSchedule: { rule: 'trg_AbCdEfGhIjKlMnOp', time: '2026-12-01T08:00:00Z', input: { region: '<eu>' } } });
  });

  it('pauses with UpdateSchedule (PUT, State DISABLED, every field again) when the schedule predates the change', async () => {
    const { transport, schedules } = schedulerOf((r) => (r.method === 'GET' ? listed({ name: 'trg_AbCdEfGhIjKlMnOp', state: 'ENABLED', modifiedMs: T0 + 10 }) : { body: { ScheduleArn: 'x' } }));
    await schedules.follow([scheduleTrigger({ paused: true, version: 2, updatedAt: new Date(T0 + 60_000).toISOString() }, { overlap: 'allow' })]);
    const [update] = transport.writes();
    expect(update).toMatchObject({ method: 'PUT', path: '/schedules/trg_AbCdEfGhIjKlMnOp' });
    expect(update!.json).toMatchObject({ State: 'DISABLED', ScheduleExpression: 'cron(0 9 * * ? *)', GroupName: 'sluice-shop-dev', Target: { Arn: fnArn('orders'), RoleArn: ROLE } });
    expect((update!.json as { Target: { Input: string } }).Target.Input).toContain('"overlap":"allow"');
  });

  it('leaves an up-to-date schedule alone, and deletes the schedule of a deleted trigger (DELETE with the group)', async () => {
    const { transport, schedules } = schedulerOf((r) =>
      r.method === 'GET' ? listed({ name: 'trg_AbCdEfGhIjKlMnOp', state: 'ENABLED', modifiedMs: T0 + 5 }, { name: 'trg_GoneGoneGoneGone', state: 'ENABLED', modifiedMs: T0 }) : { body: {} },
    );
    await schedules.follow([scheduleTrigger()]);
    const writes = transport.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ method: 'DELETE', path: '/schedules/trg_GoneGoneGoneGone' });
    expect(writes[0]!.query.groupName).toBe('sluice-shop-dev');
    expect(typeof writes[0]!.query.clientToken).toBe('string');
  });

  it('does not delete a schedule whose trigger a concurrent write created after the list was read', async () => {
    const transport = new StubAwsTransport((r) => (r.method === 'GET' ? listed({ name: 'trg_ConcurrentNew01', state: 'ENABLED', modifiedMs: T0 }) : { body: {} }));
    const asked: string[] = [];
    const schedules = new SchedulerSchedules({
      client: new SchedulerClient({ region: REGION, credentials: TEST_CREDENTIALS, requestHandler: transport, maxAttempts: 1 }),
      group: 'sluice-shop-dev',
      roleArn: ROLE,
      functionArnOf: fnArn,
      clock: new ManualClock(T0),
      stillWanted: async (id) => {
        asked.push(id);
        return true;
      },
    });
    await schedules.follow([]);
    expect(asked).toEqual(['trg_ConcurrentNew01']);
    expect(transport.writes()).toEqual([]);
  });

  it('converges after a crash: a create that finds the schedule updates it; an update or delete that finds it gone creates it or is done', async () => {
    const { transport, schedules } = schedulerOf((r) => {
      if (r.method === 'GET') return listed({ name: 'trg_Deleted000000000', state: 'ENABLED', modifiedMs: T0 });
      if (r.method === 'POST') return awsError(409, 'ConflictException', 'Schedule trg_AbCdEfGhIjKlMnOp already exists.');
      if (r.method === 'DELETE') return awsError(404, 'ResourceNotFoundException', 'Schedule not found.');
      return { body: { ScheduleArn: 'x' } };
    });
    await schedules.follow([scheduleTrigger()]);
    expect(transport.writes().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /schedules/trg_AbCdEfGhIjKlMnOp', 'PUT /schedules/trg_AbCdEfGhIjKlMnOp', 'DELETE /schedules/trg_Deleted000000000']);
  });

  it('pages through ListSchedules, leaves out a start already past and disables a window already over', async () => {
    let page = 0;
    const { transport, schedules } = schedulerOf((r) => {
      if (r.method !== 'GET') return { body: { ScheduleArn: 'x' } };
      page += 1;
      return page === 1 ? { body: { Schedules: [], NextToken: 'next-1' } } : { body: { Schedules: [] } };
    });
    await schedules.follow([scheduleTrigger({}, { expression: 'rate(5 minutes)', timezone: undefined, startAt: '2026-01-01T00:00:00Z', endAt: '2026-06-01T00:00:00Z' })]);
    expect(transport.requests[1]!.query.NextToken).toBe('next-1');
    const body = transport.writes()[0]!.json as Record<string, unknown>;
    expect(body.State).toBe('DISABLED');
    expect(body).not.toHaveProperty('StartDate');
    expect(body).not.toHaveProperty('EndDate');
    expect(body).not.toHaveProperty('ScheduleExpressionTimezone');
  });
});

function queueTrigger(overrides: Partial<TriggerRecord> = {}, spec: Record<string, unknown> = {}): TriggerRecord {
  return { triggerId: 'trg_QqQqQqQqQqQqQqQq', process: 'orders', source: 'runtime', spec: { kind: 'queue', queue: 'shop-dev-inbox', batchSize: 50, maximumBatchingWindow: 5, ...spec } as TriggerRecord['spec'], paused: false, createdAt: new Date(T0).toISOString(), updatedAt: new Date(T0).toISOString(), version: 1, ...overrides };
}

function mappingsOf(answer: (r: CapturedRequest) => ReturnType<StubAwsTransport['answer']>) {
  const transport = new StubAwsTransport(answer);
  const mappings = new EventSourceMappings({
    client: new LambdaClient({ region: REGION, credentials: TEST_CREDENTIALS, requestHandler: transport, maxAttempts: 1 }),
    processes: ['orders', 'billing'],
    functionNameOf: (p) => `shop-dev-${p}`,
    functionArnOf: fnArn,
    queueArnOf: queueArn,
    subscribable: ['shop-dev-inbox', 'shop-dev-audit'],
    maxConcurrencyOf: (p) => (p === 'orders' ? 64 : undefined),
    busyRetryMs: 1,
  });
  return { transport, mappings };
}

const mapping = (uuid: string, process: string, queue: string, extra: Record<string, unknown> = {}) => ({
  UUID: uuid,
  FunctionArn: fnArn(process),
  EventSourceArn: queueArn(queue),
  State: 'Enabled',
  BatchSize: 50,
  MaximumBatchingWindowInSeconds: 5,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  ScalingConfig: { MaximumConcurrency: 64 },
  ...extra,
});

describe('EventSourceMappings on the real Lambda client', () => {
  it('creates a mapping for a new queue trigger: POST /2015-03-31/event-source-mappings/ with batching, partial failures and the concurrency bound', async () => {
    const { transport, mappings } = mappingsOf((r) => (r.method === 'GET' ? { body: { EventSourceMappings: [] } } : { status: 202, body: { UUID: 'u-1', State: 'Creating' } }));
    await mappings.follow([queueTrigger()]);
    const lists = transport.requests.filter((r) => r.method === 'GET');
    expect(lists.map((r) => r.query.EventSourceArn).sort()).toEqual([queueArn('shop-dev-audit'), queueArn('shop-dev-inbox')]);
    expect(lists[0]).toMatchObject({ hostname: `lambda.${REGION}.amazonaws.com`, path: '/2015-03-31/event-source-mappings', query: { MaxItems: '100' } });
    const [create] = transport.writes();
    expect(create).toMatchObject({ method: 'POST', path: '/2015-03-31/event-source-mappings' });
    expect(create!.headers.authorization).toMatch(new RegExp(`/${REGION}/lambda/aws4_request`));
    expect(create!.json).toEqual({
      FunctionName: fnArn('orders'),
      EventSourceArn: queueArn('shop-dev-inbox'),
      Enabled: true,
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 64 },
    });
  });

  it('pauses with UpdateEventSourceMapping (PUT /{UUID}, Enabled false), retrying while Lambda is still creating it', async () => {
    let puts = 0;
    const { transport, mappings } = mappingsOf((r) => {
      if (r.method === 'GET') return { body: { EventSourceMappings: r.query.EventSourceArn === queueArn('shop-dev-inbox') ? [mapping('u-1', 'orders', 'shop-dev-inbox', { State: 'Creating' })] : [] } };
      puts += 1;
      return puts === 1 ? awsError(409, 'ResourceInUseException', 'The resource is being created.') : { status: 202, body: { UUID: 'u-1', State: 'Disabling' } };
    });
    await mappings.follow([queueTrigger({ paused: true })]);
    const writes = transport.writes();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatchObject({ method: 'PUT', path: '/2015-03-31/event-source-mappings/u-1' });
    expect(writes[1]!.json).toMatchObject({ Enabled: false, BatchSize: 50, MaximumBatchingWindowInSeconds: 5, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 64 } });
  });

  it('deletes the mapping of a deleted runtime trigger, disables a paused static one, and leaves other functions\' mappings alone', async () => {
    const { transport, mappings } = mappingsOf((r) => {
      if (r.method === 'GET') {
        return r.query.EventSourceArn === queueArn('shop-dev-inbox')
          ? { body: { EventSourceMappings: [mapping('u-old', 'orders', 'shop-dev-inbox'), mapping('u-other', 'somebody-else', 'shop-dev-inbox')] } }
          : { body: { EventSourceMappings: [mapping('u-static', 'billing', 'shop-dev-audit', { BatchSize: 10, MaximumBatchingWindowInSeconds: 0 })] } };
      }
      return { status: 202, body: {} };
    });
    const staticAudit: TriggerRecord = { triggerId: 'st_audit', process: 'billing', source: 'static', spec: { kind: 'queue', queue: 'shop-dev-audit', batchSize: 10, maximumBatchingWindow: 0 }, paused: true, version: 1 };
    await mappings.follow([staticAudit]);
    expect(transport.writes().map((r) => [r.method, r.path, r.json])).toEqual([
      ['DELETE', '/2015-03-31/event-source-mappings/u-old', undefined],
      ['PUT', '/2015-03-31/event-source-mappings/u-static', { Enabled: false }],
    ]);
  });

  it('reconciles every trigger when Lambda refuses one: the refused one is returned (refused), a throttled one too (not refused), the others are made', async () => {
    const { transport, mappings } = mappingsOf((r) => {
      if (r.method === 'GET') return { body: { EventSourceMappings: [] } };
      const arn = (r.json as { EventSourceArn: string }).EventSourceArn;
      if (arn === queueArn('shop-dev-inbox')) return awsError(400, 'InvalidParameterValueException', 'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
      if ((r.json as { FunctionName: string }).FunctionName === fnArn('billing')) return awsError(429, 'TooManyRequestsException', 'Rate exceeded');
      return { status: 202, body: { UUID: 'u-2', State: 'Creating' } };
    });
    const failures = await mappings.follow([
      queueTrigger(),
      queueTrigger({ triggerId: 'trg_AuditAuditAudit01' }, { queue: 'shop-dev-audit' }),
      queueTrigger({ triggerId: 'trg_BillingBilling01', process: 'billing' }, { queue: 'shop-dev-audit' }),
    ]);
    expect(transport.writes().map((w) => [(w.json as { FunctionName: string }).FunctionName, (w.json as { EventSourceArn: string }).EventSourceArn])).toEqual([
      [fnArn('orders'), queueArn('shop-dev-inbox')],
      [fnArn('orders'), queueArn('shop-dev-audit')],
      [fnArn('billing'), queueArn('shop-dev-audit')],
    ]);
    expect(failures.map((f) => [f.triggerId, f.process, f.queue, f.refused])).toEqual([
      ['trg_QqQqQqQqQqQqQqQq', 'orders', 'shop-dev-inbox', true],
      ['trg_BillingBilling01', 'billing', 'shop-dev-audit', false],
    ]);
    expect(failures[0]!.error.message).toMatch(/CreateEventSourceMapping on 'orders <- shop-dev-inbox' failed: InvalidParameterValueException: Queue visibility timeout/);
  });

  it('changes a runtime mapping whose settings differ, and does nothing to one that matches', async () => {
    const { transport, mappings } = mappingsOf((r) =>
      r.method === 'GET' ? { body: { EventSourceMappings: r.query.EventSourceArn === queueArn('shop-dev-inbox') ? [mapping('u-1', 'orders', 'shop-dev-inbox')] : [] } } : { status: 202, body: {} },
    );
    await mappings.follow([queueTrigger()]);
    expect(transport.writes()).toHaveLength(0);
    await mappings.follow([queueTrigger({}, { batchSize: 100 })]);
    expect(transport.writes().map((r) => r.json)).toEqual([{ UUID: undefined, Enabled: true, BatchSize: 100, MaximumBatchingWindowInSeconds: 5, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 64 } }].map(({ UUID: _u, ...rest }) => rest));
  });
});
