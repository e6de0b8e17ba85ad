/**
 * `npm run package` on the demo shop service (test/fixtures/demo-shop, in
 * place of the repository's serverless.yml: see copyService), for real: the
 * CloudFormation it produces (what a deploy would create), and the function
 * bundles themselves, unpacked and run in a fresh Node process against the
 * emulators as the Lambda runtime would run them.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_SCHEMAS_FILE } from '../../../lib/aws/config/inputSchemaCatalog.js';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import { DynamoTaskStore } from '../../../lib/aws/DynamoTaskStore.js';
import { classifyProcessEvent } from '../../../lib/aws/lambda/processEvent.js';
import { taskTableProperties } from '../../../lib/aws/taskTable.js';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import type { ServiceManifest } from '../../../lib/config/ServiceManifest.js';
import { EVENT_DISPATCHER_FUNCTION, PLATFORM_FUNCTION, ROUTER_FUNCTION, VISIBILITY_TIMEOUT_FACTOR } from '../../../lib/config/sluiceNames.js';
import { DynamoTriggerRegistry } from '../../../lib/aws/DynamoTriggerRegistry.js';
import { TriggerService } from '../../../lib/core/triggers/TriggerService.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { encodeEventItem } from '../../../lib/aws/eventItemCodec.js';
import type { DataEvent } from '../../../lib/core/events/DataEvent.js';
import { subscriptionId } from '../../../lib/core/events/EventSubscription.js';
import { eventTaskId } from '../../../lib/core/events/eventTasks.js';
import { newTaskId } from '../../../lib/core/task/taskIds.js';
import { isoTime } from '../../../lib/core/time/isoTime.js';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import type { QueueSpec } from '../../../lib/core/ports/MessageQueue.js';
import { AWS_PLATFORM_ROUTES } from '../../../lib/platform/platformRoutes.js';
import { createEventTable, createTaskTable, createTriggerTable, declareQueues, deleteQueues, deleteTable } from '../../setup/awsResources.js';
import { awsEndpoints, createDynamoClient, createSqsClient } from '../awsTestEnv.js';
import { httpApiEvent, sqsEventOf } from '../lambda/lambdaEvents.js';
import { copyService, emulatorEnvironment, invokeBundle, readTemplate, runPackageScript, sdkOnlyModules, type Template, unzip } from './packagedService.js';

/** The label sales-rollup subscribes to in the packaged copy. */
const LANDED = 'orders.landed';

/** A stage of its own: every name in the stack (queues, table) is this run's. */
const STAGE = `pkg${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

let workDir: string;
let packageDir: string;
let template: Template;
let manifest: ServiceManifest;
let output: string;

const resources = () => Object.entries(template.Resources);
const ofType = (type: string) => resources().filter(([, r]) => r.Type === type);
const getAtt = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

/** The Lambda::Function resource of a function key. */
function lambdaOf(key: string): [string, Template['Resources'][string]] {
  const found = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === `${manifest.service}-${STAGE}-${key}`);
  if (!found) throw new Error(`no Lambda function for ${key}`);
  return found;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
function statementsOf(roleId: string): Statement[] {
  const role = template.Resources[roleId]!;
  return (role.Properties.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement);
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'sluice-package-'));
  const serviceDir = path.join(workDir, 'service');
  packageDir = path.join(workDir, 'package');
  copyService(serviceDir);
  // The demo shop plus one data-event subscription, so that the event dispatcher is packaged too.
  const yml = path.join(serviceDir, 'serverless.yml');
  const schedule = '      - schedule: cron(0 2 * * ? *)\n';
  const declared = readFileSync(yml, 'utf8');
  if (!declared.includes(schedule)) throw new Error('the demo shop no longer schedules sales-rollup as this test expects');
  writeFileSync(yml, declared.replace(schedule, `${schedule}      - dataEvent: { label: '${LANDED}' }\n`));
  ({ output } = await runPackageScript(serviceDir, ['--stage', STAGE, '--package', packageDir]));
  template = readTemplate(packageDir);
  manifest = await loadServiceManifest({ configPath: yml, stage: STAGE });
}, 240_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('npm run package', () => {
  it('packages the service offline with dummy credentials, one zip per function', () => {
    expect(output).toMatch(/Service packaged/);
    const zips = readdirSync(packageDir).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual([...manifest.processes.map((p) => `${p.name}.zip`), `${PLATFORM_FUNCTION}.zip`, `${EVENT_DISPATCHER_FUNCTION}.zip`, `${ROUTER_FUNCTION}.zip`].sort());
    const sizes = Object.fromEntries(zips.map((z) => [z, statSync(path.join(packageDir, z)).size]));
    console.info(`bundle sizes (zip bytes): ${JSON.stringify(sizes)}`);
    // The AWS SDK is left to the Lambda runtime: each bundle is our code, zod, hono and Powertools batch.
    for (const size of Object.values(sizes)) expect(size).toBeLessThan(512 * 1024);
  });
});

describe('the CloudFormation template', () => {
  it('has one arm64 nodejs22.x Lambda per process, plus the platform API, the event dispatcher and the router of runtime routes', () => {
    const functions = ofType('AWS::Lambda::Function').map(([, r]) => r.Properties);
    expect(functions.map((f) => f.FunctionName).sort()).toEqual(
      [...manifest.processes.map((p) => p.name), PLATFORM_FUNCTION, EVENT_DISPATCHER_FUNCTION, ROUTER_FUNCTION].map((name) => `${manifest.service}-${STAGE}-${name}`).sort(),
    );
    for (const fn of functions) {
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
    }
    for (const process of manifest.processes) expect(lambdaOf(process.name)[1].Properties.Timeout).toBe(process.timeoutSeconds);
  });

  it("routes the processes' HTTP routes, the platform routes (IAM-authenticated except health) and the catch-all to the router", () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const integrations = Object.fromEntries(ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, getAtt(r.Properties.IntegrationUri)]));
    const targetOf = (route: { Target: { 'Fn::Join': [string, [string, { Ref: string }]] } }) => integrations[route.Target['Fn::Join'][1][1].Ref];

    const expected = [
      ...manifest.processes.flatMap((p) => p.http.map((h) => ({ key: `${h.method} ${h.path}`, fn: p.name, iam: false }))),
      ...AWS_PLATFORM_ROUTES.map((r) => ({ key: `${r.method} ${r.path}`, fn: PLATFORM_FUNCTION, iam: !r.public })),
      // Runtime routes: whatever no route above matches more specifically.
      { key: 'ANY /{proxy+}', fn: ROUTER_FUNCTION, iam: false },
    ];
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(expected.map((e) => e.key).sort());
    for (const e of expected) {
      const route = routes.find((r) => r.RouteKey === e.key)!;
      expect(route.AuthorizationType, e.key).toBe(e.iam ? 'AWS_IAM' : undefined);
      expect(targetOf(route), e.key).toBe(lambdaOf(e.fn)[0]);
    }
  });

  it('maps every consumed queue with ReportBatchItemFailures', () => {
    // The events table's stream is the dispatcher's (asserted with the roles below).
    const mappings = ofType('AWS::Lambda::EventSourceMapping')
      .filter(([id]) => id !== 'SluiceEventDispatchMapping')
      .map(([, r]) => r.Properties);
    const expected = manifest.processes.flatMap((p) => p.queues.map((q) => `${p.name} <- ${q.queue}`)).sort();
    const queueName = (arn: unknown) => template.Resources[getAtt(arn)!]!.Properties.QueueName as string;
    const functionKey = (fn: unknown) => ofType('AWS::Lambda::Function').find(([id]) => id === getAtt(fn))![1].Properties.FunctionName.slice(`${manifest.service}-${STAGE}-`.length);
    expect(mappings.map((m) => `${functionKey(m.FunctionName)} <- ${queueName(m.EventSourceArn)}`).sort()).toEqual(expected);
    for (const m of mappings) expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('gives queues a redrive policy, and task queues a visibility timeout of 6x their function timeout', () => {
    const queues = Object.fromEntries(ofType('AWS::SQS::Queue').map(([id, r]) => [id, r.Properties]));
    for (const process of manifest.processes) {
      const spec = manifest.queues.find((q) => q.name === process.taskQueue)!;
      const [, queue] = Object.entries(queues).find(([, q]) => q.QueueName === process.taskQueue)!;
      expect(queue.VisibilityTimeout, process.name).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_FACTOR * process.timeoutSeconds);
      expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(queue.RedrivePolicy.maxReceiveCount).toBe(spec.deadLetter!.maxReceiveCount);
      const dlq = queues[getAtt(queue.RedrivePolicy.deadLetterTargetArn)!]!;
      expect(dlq.QueueName).toBe(`${process.taskQueue}-dlq`);
      expect(dlq.MessageRetentionPeriod).toBe(1_209_600);
    }
    // Every consumed queue (the user's too) has a dead-letter queue after at least 5 receives.
    for (const m of ofType('AWS::Lambda::EventSourceMapping').filter(([id]) => id !== 'SluiceEventDispatchMapping')) {
      const queue = queues[getAtt(m[1].Properties.EventSourceArn)!]!;
      expect(queue.RedrivePolicy?.maxReceiveCount, queue.QueueName).toBeGreaterThanOrEqual(5);
    }
  });

  it('fires the declared cron rule with the Sluice schedule input', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    const schedules = manifest.processes.flatMap((p) => p.schedules.map((s) => ({ ...s, process: p.name })));
    expect(rules.map((r) => r.ScheduleExpression).sort()).toEqual(schedules.map((s) => s.expression).sort());
    expect(rules.map((r) => r.ScheduleExpression)).toContain('cron(0 2 * * ? *)');
    for (const s of schedules) {
      const rule = rules.find((r) => r.ScheduleExpression === s.expression)!;
      expect(rule.State).toBe('ENABLED');
      const [target] = rule.Targets;
      expect(getAtt(target.Arn)).toBe(lambdaOf(s.process)[0]);
      // What EventBridge will send, rendered as it renders it: the handler must understand it.
      const event = JSON.parse(target.InputTransformer.InputTemplate.replace('<time>', JSON.stringify('2026-11-27T02:00:00Z')));
      expect(classifyProcessEvent(event)).toEqual({ kind: 'schedule', firing: { rule: s.rule, time: '2026-11-27T02:00:00Z', input: s.input, overlap: s.overlap } });
    }
  });

  it('declares the task table: on demand, TTL on expiresAt, PITR, SSE, the byProcess index, retained and deletion-protected', () => {
    const table = template.Resources.SluiceTaskTable!;
    expect(table.Properties).toEqual({ TableName: `${manifest.service}-${STAGE}-tasks`, ...taskTableProperties(), DeletionProtectionEnabled: true });
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [expect.objectContaining({ IndexName: 'byProcess' })],
    });
  });

  it('grants least privilege: a role per function, no wildcard data access, each function its own queues only', () => {
    const functions = ofType('AWS::Lambda::Function');
    const roleIds = functions.map(([, r]) => getAtt(r.Properties.Role));
    expect(roleIds.every((id) => id !== undefined && template.Resources[id]?.Type === 'AWS::IAM::Role')).toBe(true);
    expect(new Set(roleIds).size).toBe(functions.length);

    // No statement anywhere grants DynamoDB or SQS on '*', or a wildcard action.
    for (const [id] of ofType('AWS::IAM::Role')) {
      for (const s of statementsOf(id)) {
        const data = actionsOf(s).filter((a) => /^(dynamodb|sqs):/.test(a));
        for (const a of actionsOf(s)) expect(a, id).not.toMatch(/^\*$|:\*$/);
        if (data.length > 0) expect(resourcesOf(s), `${id} ${data.join(',')}`).not.toContain('*');
      }
    }

    const taskQueueIds = new Set(manifest.processes.map((p) => ofType('AWS::SQS::Queue').find(([, q]) => q.Properties.QueueName === p.taskQueue)![0]));
    const sqsResourcesByProcess = new Map<string, Set<string>>();
    const SUBSCRIBABLE = [`${manifest.service}-${STAGE}-clickstream-events`, `${manifest.service}-${STAGE}-clickstream-events-dlq`];
    for (const process of manifest.processes) {
      const [lambdaId, fn] = lambdaOf(process.name);
      const statements = statementsOf(getAtt(fn.Properties.Role)!);
      // Consuming: exactly its own queues. Sending: only a scheduled process, to the async-failure destination.
      const destination = statements.filter((s) => actionsOf(s).join() === 'sqs:SendMessage');
      const scheduled = process.schedules.length > 0;
      expect(destination.flatMap((s) => resourcesOf(s).map((r) => getAtt(r))), process.name).toEqual(scheduled ? ['SluiceAsyncFailureQueue'] : []);
      // The declared queues a runtime queue trigger may name (no task queue nor its DLQ): every process may consume them.
      const subscribable = statements.filter((s) => actionsOf(s).includes('sqs:ReceiveMessage') && resourcesOf(s).some((r) => typeof (r as { 'Fn::Sub'?: unknown })['Fn::Sub'] === 'string'));
      expect(subscribable.flatMap(resourcesOf).map((r) => (r as { 'Fn::Sub': string })['Fn::Sub'].split(':').pop()), process.name).toEqual(SUBSCRIBABLE);
      const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')) && !destination.includes(s) && !subscribable.includes(s));
      const granted = new Set(sqs.flatMap((s) => resourcesOf(s).map((r) => getAtt(r)!)));
      const consumed = new Set(
        ofType('AWS::Lambda::EventSourceMapping')
          .filter(([, m]) => getAtt(m.Properties.FunctionName) === lambdaId)
          .map(([, m]) => getAtt(m.Properties.EventSourceArn)!),
      );
      expect(granted, process.name).toEqual(consumed);
      expect(sqs.flatMap(actionsOf).sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
      const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      // The task table: read and write its own records; the key-value table (ctx.kv): its item operations;
      // the events table (ctx.events): publish (in the final record's transaction) and search.
      const eventIndexes = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['SluiceEventsTable', 'Arn'] }, '/index/*']] };
      expect(dynamo.map((s) => [resourcesOf(s).map((r) => getAtt(r) ?? r), actionsOf(s).sort()])).toEqual([
        [['SluiceTaskTable'], ['dynamodb:GetItem', 'dynamodb:PutItem']],
        [['SluiceKvTable'], ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
        [['SluiceEventsTable'], ['dynamodb:PutItem']],
        [['SluiceEventsTable', eventIndexes], ['dynamodb:GetItem', 'dynamodb:Query']],
        // The trigger registry: a paused static schedule's firing is skipped.
        [['SluiceTriggerTable'], ['dynamodb:GetItem']],
      ]);
      sqsResourcesByProcess.set(process.name, granted);
    }
    // No function can act on another function's queue.
    const owners = new Map<string, string[]>();
    for (const [process, queues] of sqsResourcesByProcess) for (const q of queues) owners.set(q, [...(owners.get(q) ?? []), process]);
    for (const [queue, processes] of owners) expect(processes, queue).toHaveLength(1);

    // The platform may only send, and only to task queues.
    const platform = statementsOf(getAtt(lambdaOf(PLATFORM_FUNCTION)[1].Properties.Role)!);
    const platformSqs = platform.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(platformSqs.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
    expect(new Set(platformSqs.flatMap((s) => resourcesOf(s).map((r) => getAtt(r)!)))).toEqual(taskQueueIds);
    expect(platform.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).map((s) => [resourcesOf(s).map((r) => getAtt(r) ?? r), actionsOf(s).sort()])).toEqual([
      [['SluiceTaskTable', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['SluiceTaskTable', 'Arn'] }, '/index/byProcess']] }], ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']],
      [['SluiceKvTable'], ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
      [['SluiceEventsTable', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['SluiceEventsTable', 'Arn'] }, '/index/*']] }], ['dynamodb:GetItem', 'dynamodb:Query']],
      // The trigger registry (/sluice/triggers): TransactWriteItems is PutItem / DeleteItem per item.
      [['SluiceTriggerTable'], ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem']],
    ]);
    // The event dispatcher reads the events table's stream and sends to the subscriber's task queue only.
    const dispatcher = statementsOf(getAtt(lambdaOf(EVENT_DISPATCHER_FUNCTION)[1].Properties.Role)!);
    const rollupQueue = ofType('AWS::SQS::Queue').find(([, q]) => q.Properties.QueueName === manifest.processes.find((p) => p.name === 'sales-rollup')!.taskQueue)![0];
    // Any process with a task queue may subscribe at run time: every task queue.
    expect(dispatcher.filter((s) => actionsOf(s).includes('sqs:SendMessage')).flatMap((s) => resourcesOf(s).map((r) => getAtt(r)))).toEqual([...taskQueueIds, 'SluiceEventDispatchDlq']);
    expect(taskQueueIds).toContain(rollupQueue);
    expect(dispatcher.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).map((s) => [resourcesOf(s), actionsOf(s).sort()])).toEqual([
      [[{ 'Fn::GetAtt': ['SluiceEventsTable', 'StreamArn'] }], ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']],
      [[{ 'Fn::GetAtt': ['SluiceTaskTable', 'Arn'] }], ['dynamodb:GetItem', 'dynamodb:PutItem']],
      [[{ 'Fn::GetAtt': ['SluiceTriggerTable', 'Arn'] }], ['dynamodb:Scan']],
    ]);
    expect(template.Resources.SluiceEventDispatchMapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['SluiceEventsTable', 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });

    // The router reads the trigger table, invokes exactly the process functions, and queues tasks as the platform does.
    const router = statementsOf(getAtt(lambdaOf(ROUTER_FUNCTION)[1].Properties.Role)!).filter((s) => !actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(router.map((s) => [actionsOf(s).sort(), resourcesOf(s).map((r) => getAtt(r) ?? r)])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:Scan'], ['SluiceTriggerTable']],
      [['lambda:InvokeFunction'], manifest.processes.map((p) => lambdaOf(p.name)[0])],
      [['dynamodb:GetItem', 'dynamodb:PutItem'], ['SluiceTaskTable']],
      [['sqs:SendMessage'], [...taskQueueIds]],
    ]);

    // The framework's shared default role, if any, holds no data access.
    const shared = template.Resources.IamRoleLambdaExecution;
    if (shared) for (const s of statementsOf('IamRoleLambdaExecution')) expect(actionsOf(s).filter((a) => /^(dynamodb|sqs):/.test(a))).toEqual([]);
  });
});

describe('the packaged bundles, run as Lambda runs them', () => {
  const dynamo = createDynamoClient();
  const sqs = createSqsClient();
  let store: DynamoTaskStore;
  let tableName: string;
  let eventsTableName: string;
  let triggerTableName: string;
  const queueUrls: Record<string, string> = {};
  let queueUrlPrefix: string;
  let sdkPath: string;
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    // The stack's data resources, on the emulators, from the template itself.
    tableName = template.Resources.SluiceTaskTable!.Properties.TableName;
    eventsTableName = template.Resources.SluiceEventsTable!.Properties.TableName;
    triggerTableName = template.Resources.SluiceTriggerTable!.Properties.TableName;
    await Promise.all([createTaskTable(dynamo, tableName), createEventTable(dynamo, eventsTableName), createTriggerTable(dynamo, triggerTableName)]);
    store = new DynamoTaskStore({ client: dynamo, tableName, processes: manifest.processes.map((p) => p.name) });
    const specs: QueueSpec[] = ofType('AWS::SQS::Queue').map(([, q]) => ({
      name: q.Properties.QueueName,
      visibilityTimeoutSeconds: q.Properties.VisibilityTimeout ?? 30,
      messageRetentionSeconds: q.Properties.MessageRetentionPeriod ?? 345_600,
      ...(q.Properties.RedrivePolicy
        ? {
            deadLetter: {
              queue: template.Resources[getAtt(q.Properties.RedrivePolicy.deadLetterTargetArn)!]!.Properties.QueueName,
              maxReceiveCount: q.Properties.RedrivePolicy.maxReceiveCount,
            },
          }
        : {}),
    }));
    Object.assign(queueUrls, await declareQueues(sqs, specs));
    const [name, url] = Object.entries(queueUrls)[0]!;
    queueUrlPrefix = url.slice(0, url.length - name.length);

    sdkPath = sdkOnlyModules(path.join(workDir, 'sdk'));
    for (const [key, fn] of [
      ...manifest.processes.map((p) => [p.name, lambdaOf(p.name)[1]] as const),
      [PLATFORM_FUNCTION, lambdaOf(PLATFORM_FUNCTION)[1]] as const,
      [EVENT_DISPATCHER_FUNCTION, lambdaOf(EVENT_DISPATCHER_FUNCTION)[1]] as const,
      [ROUTER_FUNCTION, lambdaOf(ROUTER_FUNCTION)[1]] as const,
    ]) {
      bundles[key] = path.join(workDir, 'bundles', key);
      await unzip(path.join(packageDir, `${key}.zip`), bundles[key]!);
      expect(fn.Properties.Handler).toBeTypeOf('string');
    }
  }, 120_000);

  afterAll(async () => {
    await deleteQueues(sqs, Object.values(queueUrls));
    await deleteTable(dynamo, tableName);
    await deleteTable(dynamo, eventsTableName);
    await deleteTable(dynamo, triggerTableName);
    dynamo.destroy();
    sqs.destroy();
  });

  /** The function's environment as deployed, its CloudFormation values resolved to the emulators' resources. */
  const environmentOf = (key: string): Record<string, string> => ({
    ...emulatorEnvironment(awsEndpoints(), template, lambdaOf(key)[1].Properties.Environment.Variables as Record<string, unknown>, { queueUrls, queueUrlPrefix }),
    NODE_PATH: sdkPath,
  });
  const handlerOf = (key: string) => lambdaOf(key)[1].Properties.Handler as string;
  const invoke = (key: string, events: unknown[]) => invokeBundle(workDir, bundles[key]!, handlerOf(key), environmentOf(key), events);
  const okValue = <T>(result: { ok: boolean; value?: unknown; error?: unknown }): T => {
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    return result.value as T;
  };

  it('customer-sync answers its route and stores the task', async () => {
    const route = manifest.processes.find((p) => p.name === 'customer-sync')!.http[0]!;
    const request = (id: string) =>
      httpApiEvent({
        method: route.method,
        path: route.path.replace('{customerId}', id),
        route: route.path,
        pathParameters: { customerId: id },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dryRun: true, fields: ['segment', 'country'] }),
      });
    // Two requests in one container: the second reuses what the first built.
    const [found, missing] = await invoke('customer-sync', [request('C42'), request('C0')]);

    const reply = okValue<{ statusCode: number; headers: Record<string, string>; body: string }>(found!);
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ delivered: false, update: { externalId: 'C42', properties: { segment: expect.any(String) } } });
    const stored = await store.get(reply.headers['x-sluice-task-id']!);
    expect(stored).toMatchObject({ process: 'customer-sync', status: 'succeeded', trigger: { type: 'http', route: route.path, path: '/customers/C42/sync' } });

    expect(okValue<{ statusCode: number }>(missing!).statusCode).toBe(404);
  });

  it('sluice-api accepts a task into the queue, sales-rollup runs it, and sluice-api reports it', async () => {
    const rollup = manifest.processes.find((p) => p.name === 'sales-rollup')!;
    const submit = httpApiEvent(
      { method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process: 'sales-rollup', payload: { day: '2026-11-26' } }) },
      'platform',
    );
    const [accepted] = await invoke(PLATFORM_FUNCTION, [submit]);
    const reply = okValue<{ statusCode: number; body: string }>(accepted!);
    expect(reply.statusCode).toBe(202);
    const { taskId } = JSON.parse(reply.body) as { taskId: string };

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrls[rollup.taskQueue!], WaitTimeSeconds: 2, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    const messages: Message[] = received.Messages ?? [];
    expect(messages).toHaveLength(1);
    expect(messages[0]!.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue).toBe(taskId);
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrls[rollup.taskQueue!], AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

    // The same bundle, invoked by the queue and by its schedule (as the template's input transformer renders it).
    const rule = ofType('AWS::Events::Rule').find(([, r]) => getAtt(r.Properties.Targets[0].Arn) === lambdaOf('sales-rollup')[0])![1];
    const scheduled = JSON.parse(rule.Properties.Targets[0].InputTransformer.InputTemplate.replace('<time>', JSON.stringify('2026-11-27T02:00:00Z')));
    const [batch, firing] = await invoke('sales-rollup', [sqsEventOf(arn, messages), scheduled]);
    expect(okValue(batch!)).toEqual({ batchItemFailures: [] });
    expect(okValue(firing!)).toMatchObject({ status: 'succeeded', ran: true });

    const [polled] = await invoke(PLATFORM_FUNCTION, [
      httpApiEvent({ method: 'GET', path: `/sluice/tasks/${taskId}`, route: '/sluice/tasks/{taskId}', pathParameters: { taskId } }, 'platform'),
    ]);
    const status = okValue<{ statusCode: number; body: string }>(polled!);
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ taskId, status: 'succeeded', result: { day: '2026-11-26' } });
  });

  it('sluice-api answers 400 to an invalid async payload, from the input JSON Schemas bundled with it (and only with it)', async () => {
    const platformEnv = lambdaOf(PLATFORM_FUNCTION)[1].Properties.Environment.Variables as Record<string, unknown>;
    expect(platformEnv[SLUICE_ENV.inputSchemas]).toBe(INPUT_SCHEMAS_FILE);
    const bundled = JSON.parse(readFileSync(path.join(bundles[PLATFORM_FUNCTION]!, INPUT_SCHEMAS_FILE), 'utf8')) as { schemas: Record<string, unknown> };
    expect(Object.keys(bundled.schemas).sort()).toEqual(manifest.processes.filter((p) => p.taskQueue !== undefined).map((p) => p.name).sort());
    for (const key of manifest.processes.map((p) => p.name)) expect(existsSync(path.join(bundles[key]!, INPUT_SCHEMAS_FILE)), key).toBe(false);

    const submit = (payload: unknown) =>
      httpApiEvent(
        { method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process: 'sales-rollup', payload }) },
        'platform',
      );
    const [bad, unknownKey] = await invoke(PLATFORM_FUNCTION, [submit({ day: 'yesterday' }), submit({ day: '2026-11-26', extra: 1 })]);
    for (const result of [bad!, unknownKey!]) {
      const reply = okValue<{ statusCode: number; body: string }>(result);
      expect(reply.statusCode).toBe(400);
      expect(JSON.parse(reply.body)).toMatchObject({ error: 'ValidationError', message: expect.stringMatching(/^input does not match the schema/), issues: [expect.any(Object)] });
    }
    const rollup = manifest.processes.find((p) => p.name === 'sales-rollup')!;
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrls[rollup.taskQueue!], WaitTimeSeconds: 1 }))).Messages ?? []).toEqual([]);
  });

  it('sluice-events queues the task of a subscribed process for a published event, which sales-rollup runs with the event meta as its input', async () => {
    const now = Date.now();
    const event: DataEvent = {
      eventId: newTaskId(now),
      label: LANDED,
      source: 's3://landing/orders/2026-11-26.csv',
      target: 'demo://warehouse/orders',
      meta: { day: '2026-11-26' },
      sequence: 0,
      createdAt: isoTime(now),
      taskId: newTaskId(now),
      process: 'customer-sync',
      logic: 'land',
      attempt: 1,
      depth: 0,
    };
    // The stream record of the event's INSERT: its NewImage is the item as the task store writes it.
    const record = {
      eventID: '1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: { Keys: { eventId: { S: event.eventId } }, NewImage: encodeEventItem(event, Math.floor(now / 1000) + 3600), SequenceNumber: '100000000000000000001', SizeBytes: 400, StreamViewType: 'NEW_IMAGE' },
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/2026-11-29T00:00:00.000',
    };
    const [dispatched] = await invoke(EVENT_DISPATCHER_FUNCTION, [{ Records: [record] }]);
    expect(okValue(dispatched!)).toEqual({ batchItemFailures: [] });

    const rollup = manifest.processes.find((p) => p.name === 'sales-rollup')!;
    const taskId = eventTaskId(event.eventId, event.createdAt, subscriptionId('sales-rollup', { label: LANDED }));
    expect(await store.get(taskId)).toMatchObject({ process: 'sales-rollup', status: 'queued', trigger: { type: 'event', eventId: event.eventId, depth: 1 } });
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrls[rollup.taskQueue!], WaitTimeSeconds: 2, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    const messages: Message[] = received.Messages ?? [];
    expect(messages.map((m) => m.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue)).toEqual([taskId]);
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrls[rollup.taskQueue!], AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const [batch] = await invoke('sales-rollup', [sqsEventOf(arn, messages)]);
    expect(okValue(batch!)).toEqual({ batchItemFailures: [] });
    expect(await store.get(taskId)).toMatchObject({ status: 'succeeded', result: { day: '2026-11-26' } });
  });

  it('sluice-routes serves a runtime async route from the registry (202, queued; 400 from its bundled input schemas) and 404 elsewhere', async () => {
    const triggers = new TriggerService({
      registry: new DynamoTriggerRegistry({ client: dynamo, tableName: triggerTableName }),
      statics: [],
      processes: new Set(manifest.processes.map((p) => p.name)),
      clock: systemClock,
      check: (_process, spec) => spec,
      apply: () => undefined,
    });
    await triggers.create('sales-rollup', { kind: 'http', method: 'POST', path: '/rollups/{day}', mode: 'async' }, 'test');
    const post = (day: string, body: unknown) =>
      httpApiEvent({ method: 'POST', path: `/rollups/${day}`, route: '/{proxy+}', pathParameters: { proxy: `rollups/${day}` }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const [unknown, accepted, invalid] = await invoke(ROUTER_FUNCTION, [
      httpApiEvent({ method: 'GET', path: '/nowhere', route: '/{proxy+}', pathParameters: { proxy: 'nowhere' } }),
      post('2026-11-26', { day: '2026-11-26' }),
      post('yesterday', { day: 'yesterday' }),
    ]);
    expect(okValue<{ statusCode: number; body: string }>(unknown!)).toMatchObject({ statusCode: 404, body: JSON.stringify({ error: 'NotFound', message: 'Not Found' }) });
    const reply = okValue<{ statusCode: number; body: string; headers: Record<string, string> }>(accepted!);
    expect(reply.statusCode).toBe(202);
    const { taskId } = JSON.parse(reply.body) as { taskId: string };
    expect(reply.headers.location).toBe(`/sluice/tasks/${taskId}`);
    expect(await store.get(taskId)).toMatchObject({ process: 'sales-rollup', status: 'queued', trigger: { type: 'http', route: '/rollups/{day}', path: '/rollups/2026-11-26' } });
    expect(okValue<{ statusCode: number }>(invalid!).statusCode).toBe(400);
    const rollup = manifest.processes.find((p) => p.name === 'sales-rollup')!;
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrls[rollup.taskQueue!], WaitTimeSeconds: 2, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect((received.Messages ?? []).map((m) => m.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue)).toEqual([taskId]);
  });

  it('fails loudly, naming the variable, when the environment is not what the plugin sets', async () => {
    const env = environmentOf('customer-sync');
    delete env[SLUICE_ENV.taskTable];
    const [result] = await invokeBundle(workDir, bundles['customer-sync']!, handlerOf('customer-sync'), env, [httpApiEvent({ method: 'POST', path: '/customers/C1/sync' })]);
    expect(result).toMatchObject({ ok: false, error: { name: 'ConfigError', message: expect.stringContaining(SLUICE_ENV.taskTable) } });
  });
});
