/**
 * `/sluice/triggers` on the AWS platform function, end to end: the handler
 * built from the plugin's environment and catalog, the registry on DynamoDB
 * Local, task queues on fauxqs, and the REAL Scheduler and Lambda clients
 * whose transport is a stub answering as AWS would (Scheduler's side keeps
 * the schedules it was given, so the reconciliation reads back what it
 * wrote). Then the other two readers of the registry: the process function
 * (a paused static schedule's firing runs nothing) and the event dispatcher
 * (a runtime subscription gets its tasks).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeDeploymentCatalog } from '../../../lib/aws/config/deploymentCatalog.js';
import { readAwsConfig, type AwsEventDispatcherConfig, type AwsPlatformConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { FUNCTION_KIND, SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import { encodeEventItem } from '../../../lib/aws/eventItemCodec.js';
import { createEventDispatcherHandler } from '../../../lib/aws/lambda/eventDispatcherHandler.js';
import { createPlatformHandler } from '../../../lib/aws/lambda/platformHandler.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { queueUrlFromGetQueueUrl } from '../../../lib/aws/queueUrlResolvers.js';
import type { ProcessManifest } from '../../../lib/config/ServiceManifest.js';
import type { DataEvent } from '../../../lib/core/events/DataEvent.js';
import { scheduleTaskId } from '../../../lib/core/task/taskIds.js';
import { defineProcess } from '../../../lib/index.js';
import { createTriggerTable, deleteTable } from '../../setup/awsResources.js';
import { awsError, StubAwsTransport, TEST_CREDENTIALS, type CannedResponse, type CapturedRequest } from '../../helpers/stubAwsTransport.js';
import { uniqueName } from '../awsTestEnv.js';
import { httpApiEvent, lambdaContext, sluiceScheduleEvent } from '../lambda/lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from '../lambda/lambdaStack.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/runtime-scheduler`;

let stack: LambdaStack;
let triggerTable: string;
let catalog: string;
let platform: LambdaHandler;
let scheduler: StubAwsTransport;
let lambda: StubAwsTransport;
let inbox: string;
/** Declared, with a visibility timeout (5 s) under the processes' function timeout (10 s). */
let brief: string;
/** Declared, 60 s in the catalog, but Lambda refuses its mappings (its visibility timeout lowered outside CloudFormation). */
let lowered: string;

const ran: string[] = [];
const orders = defineProcess({ name: 'orders', logics: [{ name: 'work', run: (ctx) => void ran.push(ctx.task.id) }], aggregator: { name: 'done', run: () => ({ ok: true }) } });

/** Scheduler as it behaves: keeps what it is given, refuses a duplicate create (409) and a missing update or delete (404). */
function fakeScheduler(): (r: CapturedRequest) => CannedResponse {
  const held = new Map<string, { State: string; Target: { Arn: string }; LastModificationDate: number; CreationDate: number }>();
  return (r) => {
    const name = decodeURIComponent(r.path.split('/')[2] ?? '');
    const body = r.json as { State: string; Target: { Arn: string } } | undefined;
    switch (r.method) {
      case 'GET':
        return { body: { Schedules: [...held].filter(([n]) => n.startsWith(String(r.query.NamePrefix ?? ''))).map(([n, s]) => ({ Name: n, GroupName: r.query.ScheduleGroup, ...s })) } };
      case 'POST':
        if (held.has(name)) return awsError(409, 'ConflictException', `Schedule ${name} already exists.`);
        held.set(name, { State: body!.State, Target: { Arn: body!.Target.Arn }, LastModificationDate: Date.now() / 1000, CreationDate: Date.now() / 1000 });
        return { body: { ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/g/${name}` } };
      case 'PUT':
        if (!held.has(name)) return awsError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        held.set(name, { ...held.get(name)!, State: body!.State, Target: { Arn: body!.Target.Arn }, LastModificationDate: Date.now() / 1000 });
        return { body: { ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/g/${name}` } };
      case 'DELETE':
        if (!held.delete(name)) return awsError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        return { body: {} };
      default:
        return awsError(400, 'ValidationException', 'unexpected');
    }
  };
}

function manifestOf(name: string, extra: Partial<ProcessManifest> = {}): ProcessManifest {
  return {
    name,
    handler: { file: `/srv/functions/${name}.ts`, export: 'handler', declared: `functions/${name}.handler` },
    timeoutSeconds: 10,
    taskQueue: stack.queues[name]!.name,
    http: [],
    queues: [{ queue: stack.queues[name]!.name, batchSize: 10, maximumBatchingWindow: 0, enabled: true }],
    schedules: [],
    subscriptions: [],
    environment: {},
    connections: [],
    ...extra,
  };
}

const queueUrlPrefix = () => {
  const q = stack.queues.orders!;
  return q.url.slice(0, q.url.length - encodeURIComponent(q.name).length);
};

function common(): Record<string, string> {
  return {
    [SLUICE_ENV.service]: stack.service,
    [SLUICE_ENV.stage]: stack.stage,
    [SLUICE_ENV.taskTable]: stack.tableName,
    [SLUICE_ENV.retentionDays]: '1',
    [SLUICE_ENV.maxPayloadBytes]: '16384',
    [SLUICE_ENV.catalog]: catalog,
    [SLUICE_ENV.triggerTable]: triggerTable,
    [SLUICE_ENV.eventsTable]: stack.eventsTableName!,
  };
}

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [{ name: 'orders', timeoutSeconds: 10 }, { name: 'billing', timeoutSeconds: 10 }],
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 5,
    events: { maxChainDepth: 5 },
  });
  triggerTable = uniqueName('triggers');
  await createTriggerTable(stack.dynamo, triggerTable);
  inbox = `${stack.service}-inbox`;
  brief = `${stack.service}-brief`;
  lowered = `${stack.service}-lowered`;
  const processes = [
    manifestOf('orders', { schedules: [{ rule: 'orders-nightly', expression: 'cron(0 2 * * ? *)', enabled: true, overlap: 'skip' }] }),
    manifestOf('billing', {
      subscriptions: [{ id: 'billing:invoices.*::', process: 'billing', label: 'invoices.*' }],
      http: [
        { method: 'GET', path: '/invoices', authorizer: { kind: 'jwt', name: 'users', scopes: ['invoices.read'] } },
        { method: 'POST', path: '/invoices/import', authorizer: { kind: 'iam' } },
      ],
    }),
  ];
  const queues = [
    ...Object.values(stack.queues).flatMap((q) => [
      { name: q.name, visibilityTimeoutSeconds: 5, messageRetentionSeconds: 3600, deadLetter: { queue: q.dlqName, maxReceiveCount: 3 } },
      { name: q.dlqName, visibilityTimeoutSeconds: 5, messageRetentionSeconds: 3600 },
    ]),
    { name: inbox, visibilityTimeoutSeconds: 60, messageRetentionSeconds: 3600 },
    { name: brief, visibilityTimeoutSeconds: 5, messageRetentionSeconds: 3600 },
    { name: lowered, visibilityTimeoutSeconds: 60, messageRetentionSeconds: 3600 },
  ];
  catalog = writeDeploymentCatalog(mkdtempSync(join(tmpdir(), 'sluice-catalog-')), { processes, connections: [], service: stack.service, stage: stack.stage, queues, authorizers: [{ name: 'users', type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl: 'https://issuer.example.com', audience: ['app'] }], settings: { events: { maxChainDepth: 5 }, defaultConcurrency: 64 } });
  scheduler = new StubAwsTransport(fakeScheduler());
  lambda = new StubAwsTransport((r) => (r.method === 'GET' ? { body: { EventSourceMappings: [] } } : { status: 202, body: { UUID: 'esm-1', State: 'Creating' } }));
  const config = readAwsConfig({
    [SLUICE_ENV.functionKind]: FUNCTION_KIND.platform,
    ...common(),
    [SLUICE_ENV.queueUrlPrefix]: queueUrlPrefix(),
    [SLUICE_ENV.scheduleGroup]: `sluice-${stack.service}-test`.slice(0, 64),
    [SLUICE_ENV.schedulerRoleArn]: ROLE,
    [SLUICE_ENV.awsAccount]: `aws:${REGION}:${ACCOUNT}`,
  }) as AwsPlatformConfig;
  platform = createPlatformHandler({
    config,
    dynamo: stack.dynamo,
    sqs: stack.sqs,
    scheduler: new SchedulerClient({ region: REGION, credentials: TEST_CREDENTIALS, requestHandler: scheduler, maxAttempts: 1 }),
    lambda: new LambdaClient({ region: REGION, credentials: TEST_CREDENTIALS, requestHandler: lambda, maxAttempts: 1 }),
  });
});

afterAll(async () => {
  if (triggerTable) await deleteTable(stack.dynamo, triggerTable);
  await stack?.destroy();
});

beforeEach(() => {
  scheduler.requests.length = 0;
  lambda.requests.length = 0;
});

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

async function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const event = httpApiEvent({ method, path, route: path, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, 'platform');
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
  return { status: reply.statusCode, json: reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {} };
}

const functionArn = (process: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${stack.service}-${stack.stage}-${process}`;

describe('AWS platform function: /sluice/triggers', () => {
  it('creates, pauses and deletes a runtime schedule as an EventBridge Scheduler schedule, with its history', async () => {
    const created = await api('POST', '/sluice/triggers', { process: 'orders', kind: 'schedule', expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Berlin', input: { region: 'eu' }, note: 'morning run' });
    expect(created.status).toBe(201);
    const id = created.json.triggerId as string;
    expect(id).toMatch(/^trg_[A-Za-z0-9_-]{16}$/);
    expect(created.json).toMatchObject({ process: 'orders', source: 'runtime', paused: false, version: 1, spec: { kind: 'schedule', overlap: 'skip' } });
    const [create] = scheduler.writes();
    expect(create).toMatchObject({ method: 'POST', path: `/schedules/${id}` });
    expect(create!.json).toMatchObject({
      GroupName: `sluice-${stack.service}-test`,
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      Target: { Arn: functionArn('orders'), RoleArn: ROLE, Input: `{"sluiceSchedule":{"rule":"${id}","time":"<aws.scheduler.scheduled-time>","input":{"region":"eu"}}}` },
    });
    expect(scheduler.writes()).toHaveLength(1);
    // Its next firings, in its time zone: 09:00 Berlin is 08:00 UTC in winter.
    const shown = await api('GET', `/sluice/triggers/${id}`);
    expect((shown.json.next as string[])).toHaveLength(5);
    for (const at of shown.json.next as string[]) expect(at).toMatch(/T0[78]:00:00\.000Z$/);

    scheduler.requests.length = 0;
    const paused = await api('PATCH', `/sluice/triggers/${id}`, { paused: true, version: 1 });
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ paused: true, version: 2 });
    expect(scheduler.writes().map((r) => [r.method, r.path, (r.json as { State: string }).State])).toEqual([['PUT', `/schedules/${id}`, 'DISABLED']]);

    // A Lambda that fails between the registry's write and Scheduler's (here Scheduler answers 500): the
    // record is written, the reply is a 500; the next write converges (the schedule predates the record).
    const answer = scheduler.answer;
    scheduler.answer = (r) => (r.method === 'PUT' ? awsError(500, 'InternalServerException', 'try again') : answer(r));
    expect((await api('PATCH', `/sluice/triggers/${id}`, { paused: false })).status).toBe(500);
    expect((await api('GET', `/sluice/triggers/${id}`)).json).toMatchObject({ paused: false, version: 3 });
    scheduler.answer = answer;
    scheduler.requests.length = 0;
    expect((await api('PATCH', `/sluice/triggers/${id}`, { paused: true, note: 'paused for the audit' })).status).toBe(200);
    expect(scheduler.writes().map((r) => [r.method, (r.json as { State: string }).State])).toEqual([['PUT', 'DISABLED']]);
    // Nothing new: nothing sent.
    scheduler.requests.length = 0;
    expect((await api('GET', '/sluice/triggers?kind=schedule')).status).toBe(200);
    expect(scheduler.requests).toEqual([]);

    scheduler.requests.length = 0;
    expect((await api('DELETE', `/sluice/triggers/${id}`)).status).toBe(204);
    expect(scheduler.writes().map((r) => [r.method, r.path, r.query.groupName])).toEqual([['DELETE', `/schedules/${id}`, `sluice-${stack.service}-test`]]);

    const history = await api('GET', `/sluice/triggers/${id}/history`);
    expect(history.status).toBe(200);
    const items = history.json.items as Array<{ action: string; actor: string }>;
    expect(items.map((c) => c.action)).toEqual(['delete', 'update', 'resume', 'pause', 'create']);
    expect(new Set(items.map((c) => c.actor))).toEqual(new Set(['arn:aws:iam::123456789012:user/pipeline-operator']));
    expect((await api('GET', `/sluice/triggers/${id}`)).status).toBe(404);
  });

  it('refuses bad specs with the embedded runtime\'s 4xx, and sends nothing to AWS', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ process: 'orders', kind: 'schedule', expression: 'cron(nope)' }, 400, /expression/],
      [{ process: 'orders', kind: 'schedule', expression: 'rate(1 hour)', timezone: 'Mars/Olympus' }, 400, /timezone/],
      [{ process: 'orders', kind: 'schedule', expression: 'rate(1 hour)', input: 'x'.repeat(9000) }, 400, /input/],
      [{ process: 'ghost', kind: 'schedule', expression: 'rate(1 hour)' }, 404, /ghost/],
      [{ process: 'orders', kind: 'queue', queue: stack.queues.billing!.name }, 400, /task queue of process 'billing'/],
      [{ process: 'orders', kind: 'queue', queue: 'undeclared' }, 400, /not declared/],
      [{ process: 'orders', kind: 'queue', queue: inbox, batchSize: 50 }, 400, /maximumBatchingWindow/],
      // Lambda would refuse the mapping: refused before the registry is written.
      [{ process: 'orders', kind: 'queue', queue: brief }, 400, /^invalid queue trigger: queue: '.*-brief' has a visibility timeout of 5s, shorter than the timeout of process 'orders' \(10s\)/],
      [{ process: 'orders', kind: 'http', method: 'GET', path: '/sluice/mine' }, 400, /path/],
      [{ process: 'billing', kind: 'event', label: 'invoices.*' }, 409, /already subscribes/],
      [{ process: 'orders', kind: 'schedule', expression: 'rate(1 hour)', bogus: 1 }, 400, /bogus|unrecognized/i],
    ];
    for (const [body, status, message] of cases) {
      const reply = await api('POST', '/sluice/triggers', body);
      expect({ body, status: reply.status }).toEqual({ body, status });
      expect(reply.json.message).toMatch(message);
    }
    expect(scheduler.writes()).toEqual([]);
    expect(lambda.writes()).toEqual([]);
  });

  it('accepts a runtime http route with API Gateway\'s checks and conflicts, and applies nothing for it (the router reads the registry)', async () => {
    const route = await api('POST', '/sluice/triggers', { process: 'orders', kind: 'http', method: 'POST', path: '/orders/{id}', mode: 'async' });
    expect(route.status).toBe(201);
    const clash = await api('POST', '/sluice/triggers', { process: 'billing', kind: 'http', method: 'POST', path: '/orders/{orderId}' });
    expect(clash.status).toBe(409);
    expect(scheduler.writes()).toEqual([]);
    expect(lambda.writes()).toEqual([]);
    expect((await api('DELETE', `/sluice/triggers/${route.json.triggerId as string}`)).status).toBe(204);
  });

  it('a static route shows its authorizer in /sluice/triggers and /sluice/processes, as on the embedded runtime', async () => {
    const statics = ((await api('GET', '/sluice/triggers?process=billing&kind=http')).json.items as Array<{ source: string; spec: unknown }>).filter((t) => t.source === 'static');
    expect(statics.map((t) => t.spec)).toEqual([
      { kind: 'http', method: 'GET', path: '/invoices', mode: 'sync', authorizer: { name: 'users', scopes: ['invoices.read'] } },
      { kind: 'http', method: 'POST', path: '/invoices/import', mode: 'sync', authorizer: 'aws_iam' },
    ]);
    const billing = ((await api('GET', '/sluice/processes')).json.items as Array<{ name: string; triggers: { http: unknown[] } }>).find((p) => p.name === 'billing')!;
    expect(billing.triggers.http).toEqual([
      { method: 'GET', path: '/invoices', authorizer: { name: 'users', scopes: ['invoices.read'] } },
      { method: 'POST', path: '/invoices/import', authorizer: 'aws_iam' },
    ]);
  });

  it('subscribes a process to a declared queue as an event source mapping', async () => {
    const created = await api('POST', '/sluice/triggers', { process: 'billing', kind: 'queue', queue: inbox, batchSize: 20, maximumBatchingWindow: 2 });
    expect(created.status).toBe(201);
    const [create] = lambda.writes();
    expect(create).toMatchObject({ method: 'POST', path: '/2015-03-31/event-source-mappings' });
    expect(create!.json).toEqual({
      FunctionName: functionArn('billing'),
      EventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${inbox}`,
      Enabled: true,
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 64 },
    });
    expect((await api('POST', '/sluice/triggers', { process: 'billing', kind: 'queue', queue: inbox })).status).toBe(409);
  });

  it('a queue trigger whose mapping Lambda refuses fails its own write (409, Lambda\'s reason), and no other: the rest are reconciled', async () => {
    // Lambda as it behaves: keeps its mappings, and refuses those on the lowered queue.
    const held: Array<{ UUID: string; FunctionArn: string; EventSourceArn: string; State: string; BatchSize: number; MaximumBatchingWindowInSeconds: number; FunctionResponseTypes: string[]; ScalingConfig: { MaximumConcurrency: number } }> = [];
    const answer = lambda.answer;
    lambda.answer = (r) => {
      const body = r.json as { FunctionName: string; EventSourceArn: string; BatchSize: number; MaximumBatchingWindowInSeconds: number } | undefined;
      if (r.method === 'GET') return { body: { EventSourceMappings: held.filter((m) => m.EventSourceArn === r.query.EventSourceArn) } };
      if (r.method === 'DELETE') {
        const at = held.findIndex((m) => r.path.endsWith(`/${m.UUID}`));
        if (at < 0) return awsError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return { status: 202, body: held.splice(at, 1)[0] };
      }
      if (r.method === 'POST' && body!.EventSourceArn.endsWith(`:${lowered}`)) {
        return awsError(400, 'InvalidParameterValueException', 'Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds');
      }
      if (r.method === 'POST') {
        const mapping = { UUID: `esm-${held.length + 1}`, FunctionArn: body!.FunctionName, EventSourceArn: body!.EventSourceArn, State: 'Creating', BatchSize: body!.BatchSize, MaximumBatchingWindowInSeconds: body!.MaximumBatchingWindowInSeconds, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 64 } };
        held.push(mapping);
        return { status: 202, body: mapping };
      }
      return { status: 202, body: {} };
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const refused = await api('POST', '/sluice/triggers', { process: 'orders', kind: 'queue', queue: lowered });
      expect(refused.status).toBe(409);
      expect(refused.json.message).toMatch(/^trigger trg_\S+ is saved, but Lambda refused its event source mapping \(queue '.*-lowered' -> process 'orders'\): Lambda CreateEventSourceMapping on 'orders <- .*-lowered' failed: InvalidParameterValueException: Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds\. It stays in the registry, not in force/);
      const stuck = (refused.json.message as string).split(' ')[1]!;
      // The record was written before AWS was asked: it is listed, with its audit entry.
      expect((await api('GET', `/sluice/triggers/${stuck}`)).json).toMatchObject({ process: 'orders', source: 'runtime', spec: { kind: 'queue' } });

      // Later writes succeed, and their own mappings are made; the stuck trigger is asked for again and logged.
      lambda.requests.length = 0;
      const other = await api('POST', '/sluice/triggers', { process: 'orders', kind: 'queue', queue: inbox, batchSize: 5 });
      expect(other.status).toBe(201);
      const creates = lambda.writes().map((w) => [(w.json as { FunctionName: string }).FunctionName, (w.json as { EventSourceArn: string }).EventSourceArn.split(':').pop()]);
      expect(creates).toEqual(expect.arrayContaining([[functionArn('orders'), inbox], [functionArn('orders'), lowered]]));
      expect(held.map((m) => [m.FunctionArn, m.EventSourceArn.split(':').pop()])).toEqual(expect.arrayContaining([[functionArn('orders'), inbox]]));
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^trigger ${stuck} \\(queue '.*-lowered' -> process 'orders'\\) is not in force: .*InvalidParameterValueException`)));
      const schedule = await api('POST', '/sluice/triggers', { process: 'billing', kind: 'schedule', expression: 'rate(1 hour)' });
      expect(schedule.status).toBe(201);

      // Deleting it ends the retries: the next write asks Lambda for nothing on that queue.
      expect((await api('DELETE', `/sluice/triggers/${stuck}`)).status).toBe(204);
      lambda.requests.length = 0;
      warn.mockClear();
      expect((await api('PATCH', `/sluice/triggers/${other.json.triggerId as string}`, { paused: true })).status).toBe(200);
      expect(lambda.writes().map((w) => w.method)).toEqual(['PUT']);
      expect(lambda.writes().some((w) => JSON.stringify(w.json ?? {}).includes(lowered))).toBe(false);
      expect(warn).not.toHaveBeenCalled();
      expect((await api('DELETE', `/sluice/triggers/${other.json.triggerId as string}`)).status).toBe(204);
      expect((await api('DELETE', `/sluice/triggers/${schedule.json.triggerId as string}`)).status).toBe(204);
    } finally {
      warn.mockRestore();
      lambda.answer = answer;
    }
  });

  it('fires a schedule trigger now: a task on the process\'s task queue', async () => {
    const listed = await api('GET', '/sluice/triggers?process=orders&kind=schedule');
    const nightly = (listed.json.items as Array<{ triggerId: string; source: string }>).find((t) => t.source === 'static')!;
    const fired = await api('POST', `/sluice/triggers/${nightly.triggerId}/fire`, { input: { day: '2026-11-28' } });
    expect(fired.status).toBe(202);
    const taskId = fired.json.taskId as string;
    expect(await stack.store.get(taskId)).toMatchObject({ status: 'queued', process: 'orders', trigger: { type: 'schedule', rule: nightly.triggerId } });
    const messages = await stack.receive(stack.queues.orders!.url, { waitSeconds: 1 });
    expect(messages.map((m) => m.MessageAttributes?.['sluice-task-id']?.StringValue)).toContain(taskId);
    expect((await api('POST', `/sluice/triggers/${nightly.triggerId.replace('st_', 'xx_')}/fire`)).status).toBe(404);
  });
});

describe('the registry\'s other readers on AWS', () => {
  it('a paused static schedule\'s firing runs nothing (logged, skipped); resumed, the next firing runs', async () => {
    const listed = await api('GET', '/sluice/triggers?process=orders&kind=schedule');
    const nightly = (listed.json.items as Array<{ triggerId: string; source: string }>).find((t) => t.source === 'static')!;
    expect((await api('PATCH', `/sluice/triggers/${nightly.triggerId}`, { paused: true })).status).toBe(200);
    // CloudFormation's schedule: nothing to change in Scheduler.
    expect(scheduler.writes()).toEqual([]);

    const worker = stack.processHandler(orders.definition, { [SLUICE_ENV.catalog]: catalog, [SLUICE_ENV.triggerTable]: triggerTable });
    const due = '2026-11-29T02:00:00Z';
    const skipped = await worker(sluiceScheduleEvent('orders-nightly', due), lambdaContext(10_000));
    expect(skipped).toEqual({ taskId: scheduleTaskId('orders', 'orders-nightly', '2026-11-29T02:00:00.000Z'), skipped: `its trigger ${nightly.triggerId} is paused`, ran: false });
    expect(await stack.store.get(scheduleTaskId('orders', 'orders-nightly', '2026-11-29T02:00:00.000Z'))).toBeUndefined();
    expect(ran).toEqual([]);

    expect((await api('PATCH', `/sluice/triggers/${nightly.triggerId}`, { paused: false })).status).toBe(200);
    const next = (await worker(sluiceScheduleEvent('orders-nightly', '2026-11-30T02:00:00Z'), lambdaContext(10_000))) as { ran: boolean; status: string };
    expect(next).toMatchObject({ ran: true, status: 'succeeded' });
    expect(ran).toHaveLength(1);
  });

  it('the event dispatcher queues tasks for a runtime subscription, and not for a paused one (after its cache)', async () => {
    const created = await api('POST', '/sluice/triggers', { process: 'orders', kind: 'event', label: 'payments.*', source: 's3://landing/payments/2026-11-29.csv' });
    expect(created.status).toBe(201);
    const dispatcher = () => {
      const config = readAwsConfig({ [SLUICE_ENV.functionKind]: FUNCTION_KIND.eventDispatcher, ...common(), [SLUICE_ENV.queueUrlPrefix]: queueUrlPrefix() }) as AwsEventDispatcherConfig;
      return createEventDispatcherHandler({ config, dynamo: stack.dynamo, sqs: stack.sqs, resolveQueueUrl: queueUrlFromGetQueueUrl(stack.sqs) });
    };
    let seq = 100;
    const published = (label: string): DataEvent => ({
      eventId: `ev-${label}-${seq}`,
      label,
      source: 's3://landing/payments/2026-11-29.csv',
      target: 'warehouse.payments',
      sequence: 0,
      createdAt: new Date().toISOString(),
      taskId: `task-upstream-${seq}`,
      process: 'billing',
      logic: 'load',
      attempt: 1,
      depth: 0,
    });
    const streamRecord = (event: DataEvent) => ({
      eventID: `s-${seq}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      dynamodb: { NewImage: encodeEventItem(event, Math.floor(Date.now() / 1000) + 86_400), SequenceNumber: String(seq++), StreamViewType: 'NEW_IMAGE' },
    });
    const first = dispatcher();
    const event = published('payments.settled');
    expect((await first({ Records: [streamRecord(event)] }, lambdaContext(30_000))) as DynamoDBBatchResponse).toEqual({ batchItemFailures: [] });
    const messages = await stack.receive(stack.queues.orders!.url, { waitSeconds: 1 });
    const taskIds = messages.map((m) => m.MessageAttributes?.['sluice-task-id']?.StringValue);
    const tasks = await Promise.all(taskIds.map((id) => stack.store.get(id!)));
    expect(tasks.filter((t) => t?.trigger.type === 'event')).toEqual([expect.objectContaining({ process: 'orders', status: 'queued' })]);

    expect((await api('PATCH', `/sluice/triggers/${created.json.triggerId as string}`, { paused: true })).status).toBe(200);
    // A new container reads the registry again (a warm one within 30 s still has the subscription).
    expect(await dispatcher()({ Records: [streamRecord(published('payments.refunded'))] }, lambdaContext(30_000))).toEqual({ batchItemFailures: [] });
    expect(await stack.receive(stack.queues.orders!.url, { waitSeconds: 1 })).toEqual([]);
  });
});
