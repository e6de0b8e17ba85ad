import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { ConfigError } from '../../core/errors.js';
import { type Clock } from '../../core/ports/Clock.js';
import { systemClock } from '../../core/time/systemClock.js';
import { submitTask, type SubmitDeps } from '../../core/runner/submitTask.js';
import { createPlatformApp } from '../../platform/createPlatformApp.js';
import { eventStoreOf } from './eventStoreOf.js';
import { jobNamespaceOf } from '../../core/openlineage/jobNamespaceOf.js';
import { SLUICE_PRODUCER, SLUICE_VERSION } from '../../platform/sluiceVersion.js';
import { keyValueStoreOf } from './keyValueStoreOf.js';
import type { PlatformProcess } from '../../platform/PlatformProcess.js';
import { AwsTaskDispatcher } from '../AwsTaskDispatcher.js';
import { TaskControl } from '../../core/control/TaskControl.js';
import { loadPayloadValidators, type PayloadValidator } from '../config/inputSchemaCatalog.js';
import type { AwsPlatformConfig } from '../config/readAwsConfig.js';
import { readAwsConfig } from '../config/readAwsConfig.js';
import { DynamoTaskStore } from '../DynamoTaskStore.js';
import { queueUrlFromPrefix, type QueueUrlResolver } from '../queueUrlResolvers.js';
import { SqsMessageQueue } from '../SqsMessageQueue.js';
import type { LambdaHandler } from './processHandler.js';
import { createAwsTriggerService } from '../triggers/createAwsTriggerService.js';
import { fireTrigger } from '../../core/triggers/fireTrigger.js';
import { describeAwsTrigger } from '../triggers/describeAwsTrigger.js';
import type { TriggerRoutesOptions } from '../../platform/triggerRoutes.js';
import type { HttpRouteManifest } from '../../config/ServiceManifest.js';
import { routeAuthorizerOfSpec } from '../../config/staticTriggersOf.js';
import type { TriggerCatalog } from '../config/deploymentCatalog.js';

/** What the platform function is built from: in Lambda, the environment and fresh clients. */
export interface PlatformHandlerDeps {
  config: Readonly<AwsPlatformConfig>;
  /** Created once per container. */
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** Runtime schedule triggers (with `config.runtimeTriggers`); created once per container. */
  scheduler?: SchedulerClient;
  /** Runtime queue triggers' event source mappings (with `config.runtimeTriggers`); created once per container. */
  lambda?: LambdaClient;
  /** @default 1000: ms between tries at an event source mapping Lambda is still creating or updating */
  mappingBusyRetryMs?: number;
  /** @default queueUrlFromPrefix(config.queueUrlPrefix): no request to find a queue */
  resolveQueueUrl?: QueueUrlResolver;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * Builds the Lambda handler of the platform API (`/sluice/*`): the same Hono
 * app the embedded runtime mounts, behind Hono's API Gateway adapter.
 *
 * - Authentication is API Gateway's IAM authorizer (every route but health),
 *   so the app trusts what reaches it (`auth: gateway`).
 * - The function knows the processes from the catalog only (it does not load
 *   their code): async payloads are checked against the input JSON Schemas
 *   generated at package time (`SLUICE_INPUT_SCHEMAS`), so an invalid one is
 *   a 400 as on the embedded runtime; what JSON Schema cannot express
 *   (refinements, formats, schemas with no JSON form) is left to the
 *   worker, where it ends as a `failed` task.
 * - An async submission is one conditional PutItem and one SendMessage; a
 *   status poll one GetItem.
 */
export function createPlatformHandler(deps: PlatformHandlerDeps): LambdaHandler {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const store = new DynamoTaskStore({ client: deps.dynamo, tableName: config.taskTable, processes: config.processes.map((p) => p.name), clock });
  const queue = new SqsMessageQueue({ client: deps.sqs, resolveQueueUrl: deps.resolveQueueUrl ?? queueUrlFromPrefix(config.queueUrlPrefix) });
  const dispatcher = new AwsTaskDispatcher({ store, queue, clock });
  const retentionSeconds = config.retentionDays * 86_400;
  const validators = config.inputSchemas === undefined ? new Map<string, PayloadValidator>() : loadPayloadValidators(config.inputSchemas);
  const processes: PlatformProcess[] = config.processes.map((p) => {
    const validatePayload = validators.get(p.name);
    return {
      name: p.name,
      taskQueue: p.taskQueue,
      timeoutSeconds: p.timeoutSeconds,
      http: p.http.map((route) => withStaticAuthorizer(p.name, route, config.triggers?.catalog)),
      queues: p.queues,
      schedules: p.schedules,
      ...(validatePayload ? { validatePayload } : {}),
    };
  });
  const kv = keyValueStoreOf(config, deps.dynamo, clock);
  const submitDeps = { dispatcher, clock, retentionSeconds };
  const triggers = triggerRoutesOf(deps, clock, processes, submitDeps);
  const events = eventStoreOf(config, deps.dynamo, clock);
  const app = createPlatformApp({
    processes,
    store,
    submit: (process, request) => submitTask(process, request, submitDeps),
    auth: { kind: 'gateway' },
    maxPayloadBytes: config.maxPayloadBytes,
    ...(kv ? { kv } : {}),
    ...(triggers ? { triggers } : {}),
    // /sluice/events, /sluice/lineage and the OpenLineage export, read from the events table.
    ...(events ? { events: events.store, openLineage: { namespace: jobNamespaceOf(config.service, config.stage), producer: SLUICE_PRODUCER, engineVersion: SLUICE_VERSION } } : {}),
    // No signal reaches another Lambda: a running task notices its cancel by reading its record (see processHandler).
    control: new TaskControl({ store, dispatcher, clock, retentionSeconds, processes }),
    // A failing DynamoDB or SQS call would otherwise leave no trace in CloudWatch.
    onInternalError: (error, request) => console.error(`${request.method} ${request.path} failed`, error),
  });
  return handle(app) as unknown as LambdaHandler;
}

/**
 * `/sluice/triggers` when the function was given the trigger table and the
 * runtime trigger targets (and clients): the registry on DynamoDB, runtime
 * schedules on EventBridge Scheduler, queue triggers as event source
 * mappings; the actor of each change is the caller's IAM principal. The
 * registry is not applied at cold start (`TriggerService.start`): every
 * write reconciles what it touches, and a container only serves requests.
 */
function triggerRoutesOf(deps: PlatformHandlerDeps, clock: Clock, processes: readonly PlatformProcess[], submitDeps: SubmitDeps): Omit<TriggerRoutesOptions, 'send' | 'maxPayloadBytes'> | undefined {
  const { config } = deps;
  if (!config.triggers || !config.runtimeTriggers || !deps.scheduler || !deps.lambda) return undefined;
  const triggers = createAwsTriggerService({
    table: config.triggers.table,
    catalog: config.triggers.catalog,
    processes: config.processes,
    targets: config.runtimeTriggers,
    dynamo: deps.dynamo,
    scheduler: deps.scheduler,
    lambda: deps.lambda,
    clock,
    ...(deps.mappingBusyRetryMs !== undefined ? { busyRetryMs: deps.mappingBusyRetryMs } : {}),
    ...(config.runtimeTriggers.deadLetterArn !== undefined ? { scheduleDeadLetterArn: config.runtimeTriggers.deadLetterArn } : {}),
  });
  const byName = new Map(processes.map((p) => [p.name, p]));
  return {
    triggers,
    // API Gateway's IAM authorizer put the caller in the request context (Hono's adapter passes the event as env).
    actor: (c) => (c.env as { event?: { requestContext?: { authorizer?: { iam?: { userArn?: string } } } } } | undefined)?.event?.requestContext?.authorizer?.iam?.userArn ?? 'iam',
    describe: (record) => describeAwsTrigger(record, clock.now()),
    fire: (record, input) => fireTrigger(record, input, byName.get(record.process)!, { submitDeps, nowMs: clock.now() }),
  };
}

/** The configuration and clients of this container, from the environment the plugin set. */
export function platformDepsFromEnv(env: NodeJS.ProcessEnv = process.env): PlatformHandlerDeps {
  const config = readAwsConfig(env);
  if (config.kind !== 'platform') {
    const what = config.kind === 'process' ? `a process function ('${config.process}')` : `the '${config.kind}' function`;
    throw new ConfigError(`this function is configured as ${what}, not the platform API`);
  }
  return {
    config,
    dynamo: new DynamoDBClient({}),
    // Queue URLs are built from SLUICE_QUEUE_URL_PREFIX, not returned by the SDK: send requests to
    // the endpoint the SDK resolves (AWS_ENDPOINT_URL_SQS, a VPC endpoint...) rather than to the
    // URL's host, which is the same host on AWS anyway.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    ...(config.runtimeTriggers ? { scheduler: new SchedulerClient({}), lambda: new LambdaClient({}) } : {}),
  };
}

let platform: LambdaHandler | undefined;

/**
 * The platform function's Lambda handler (`custom.sluice.platformHandler`
 * defaults to it). Built on the first event, then reused by the container;
 * a failure to build is not cached.
 */
export async function handler(event: unknown, context: Context): Promise<unknown> {
  platform ??= createPlatformHandler(platformDepsFromEnv());
  return platform(event, context);
}

/**
 * A catalog route with the authorizer its static trigger carries: the
 * process catalog (an environment variable, kept small) lists routes as
 * `METHOD /path` only, the trigger catalog has the whole spec.
 */
function withStaticAuthorizer(process: string, route: HttpRouteManifest, catalog: TriggerCatalog | undefined): HttpRouteManifest {
  const spec = catalog?.statics.find((s) => s.process === process && s.spec.kind === 'http' && s.spec.method === route.method && s.spec.path === route.path)?.spec;
  const authorizer = spec?.kind === 'http' ? routeAuthorizerOfSpec(spec.authorizer, catalog!.authorizers) : undefined;
  return authorizer ? { ...route, authorizer } : route;
}
