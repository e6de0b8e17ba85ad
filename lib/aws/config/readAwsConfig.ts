import type { OpenLineageSettings } from '../../config/ServiceManifest.js';
import * as z from 'zod';
import { DEFAULT_BACKOFF, MAX_RETRY_DELAY_SECONDS, type BackoffPolicy } from '../../core/retry/RetryPolicy.js';
import { ConfigError } from '../../core/errors.js';
import { SQS_MAX_RECEIVE_COUNT } from '../../core/queue/sqsRules.js';
import type { ConnectionDeclaration } from '../../config/connections/parseConnections.js';
import { DEFAULT_MAX_CHAIN_DEPTH } from '../../core/events/EventSubscription.js';
import type { Subscriber } from '../../core/events/eventTasks.js';
import { readDeploymentCatalog, type DeploymentCatalog } from './deploymentCatalog.js';
import type { CatalogProcess } from './processCatalog.js';
import { FUNCTION_KIND, SLUICE_ENV } from './sluiceEnv.js';
import type { TriggerCatalog } from './deploymentCatalog.js';

/** What every Sluice Lambda function knows about its deployment. */
interface AwsCommonConfig {
  service: string;
  stage: string;
  /** DynamoDB task table name. */
  taskTable: string;
  retentionDays: number;
  maxPayloadBytes: number;
  /** The key-value store (`ctx.kv`); absent when the function was not given one. */
  kv?: { table: string; maxTtlSeconds: number; defaultTtlSeconds?: number };
  /**
   * Data events: the events table (`SLUICE_EVENTS_TABLE`; absent when the
   * function was not given one) and `custom.sluice.events.maxChainDepth`
   * (from the catalog).
   */
  events?: { table: string; maxChainDepth: number };
  /**
   * The trigger registry (`SLUICE_TRIGGER_TABLE`) and the catalog's static
   * triggers; absent when the function was not given one (then static
   * triggers cannot be paused and there are no runtime ones).
   */
  triggers?: { table: string; catalog: TriggerCatalog };
}

/** Where the platform function puts runtime schedules and queue triggers (see `sluiceEnv.ts`). */
export interface RuntimeTriggerTargets {
  /** EventBridge Scheduler schedule group of this service and stage. */
  scheduleGroup: string;
  /** The role Scheduler assumes to invoke a process function. */
  schedulerRoleArn: string;
  partition: string;
  region: string;
  account: string;
  /** Where Scheduler sends a runtime firing it gave up on (the async-failures queue), when the deployment has one. */
  deadLetterArn?: string;
}

/** Configuration of a process function (a worker of one Sluice process). */
export interface AwsProcessConfig extends AwsCommonConfig {
  kind: 'process';
  /** The process name. */
  process: string;
  timeoutSeconds: number;
  /** Its task queue; undefined when the process has none. */
  taskQueue?: { name: string; url: string };
  /**
   * maxReceiveCount of each consumed queue that has a dead-letter queue, by
   * queue name: a message received that many times is on its last attempt.
   */
  maxReceiveCounts: Readonly<Record<string, number>>;
  /** The connections this process may use, as declared (secret references unresolved). */
  connections: readonly ConnectionDeclaration[];
  /** Names of every declared connection (to tell "not granted" from "unknown"). */
  declaredConnections: readonly string[];
  /** `sluice.retry.backoff` (`SLUICE_RETRY_BACKOFF`); `DEFAULT_BACKOFF` when unset. */
  backoff: BackoffPolicy;
  /** `custom.sluice.openlineage`, from the catalog: where finished tasks are pushed (API key unresolved). */
  openlineage?: OpenLineageSettings;
}

/** Configuration of the platform API function. */
export interface AwsPlatformConfig extends AwsCommonConfig {
  kind: 'platform';
  /** Prefix of task queue URLs: `https://sqs.<region>.amazonaws.com/<account>/`. */
  queueUrlPrefix: string;
  processes: readonly CatalogProcess[];
  /** Path of the bundled input schema file (`SLUICE_INPUT_SCHEMAS`); absent = payloads are validated by the worker only. */
  inputSchemas?: string;
  /** Runtime schedules and queue triggers (with `triggers`); absent: `/sluice/triggers` is not mounted. */
  runtimeTriggers?: RuntimeTriggerTargets;
}

/** Configuration of the event dispatcher, fed by the events table's stream. */
export interface AwsEventDispatcherConfig extends AwsCommonConfig {
  kind: 'eventDispatcher';
  /** As the platform function's: a task queue's URL is this prefix + its name. */
  queueUrlPrefix: string;
  /** Every `dataEvent` subscription, with its process's task queue. */
  subscribers: readonly Subscriber[];
  /** `custom.sluice.events.maxChainDepth`. */
  maxChainDepth: number;
  /** Each process's task queue, by process (where a runtime subscription's tasks go). */
  taskQueues: Readonly<Record<string, string>>;
}

/** Configuration of the router of runtime HTTP routes (the HTTP API's catch-all route). */
export interface AwsRouterConfig extends AwsCommonConfig {
  kind: 'router';
  /** As the platform function's: a task queue's URL is this prefix + its name (async routes). */
  queueUrlPrefix: string;
  processes: readonly CatalogProcess[];
  /** As the platform function's: async payloads are checked against these schemas when present. */
  inputSchemas?: string;
  /** The trigger registry's DynamoDB table. */
  triggerTable: string;
  /** The Lambda function name of every process (`${service}-${stage}-${process}` unless serverless.yml names it). */
  functionNames: Readonly<Record<string, string>>;
}

export type AwsConfig = Readonly<AwsProcessConfig> | Readonly<AwsPlatformConfig> | Readonly<AwsEventDispatcherConfig> | Readonly<AwsRouterConfig>;

const text = z.string().trim().min(1, 'is empty');
const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'is not a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** An environment variable holding JSON, parsed (then checked by the schema it is piped to). */
const jsonText = z.string().transform((value, ctx) => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not JSON' });
    return z.NEVER;
  }
});

/**
 * Reads the Sluice configuration of this Lambda function from the variables
 * the Serverless plugin sets (names in `sluiceEnv.ts`). Call it once per
 * container and keep the result: it is frozen.
 *
 * @example
 * const config = readAwsConfig();
 * if (config.kind !== 'process') throw new Error('not a process function');
 *
 * @throws {ConfigError} naming the missing or invalid variable
 */
export function readAwsConfig(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const read = <T>(name: string, schema: z.ZodType<T, string>, optional = false): T | undefined => {
    const raw = env[name];
    if (raw === undefined) {
      if (optional) return undefined;
      throw new ConfigError(`environment variable ${name} is not set (is this function deployed with the Sluice plugin?)`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(`environment variable ${name} is invalid: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  };
  const required = <T>(name: string, schema: z.ZodType<T, string>): T => read(name, schema) as T;

  const kind = required(SLUICE_ENV.functionKind, z.enum([FUNCTION_KIND.process, FUNCTION_KIND.platform, FUNCTION_KIND.eventDispatcher, FUNCTION_KIND.router]));
  const common: AwsCommonConfig = {
    service: required(SLUICE_ENV.service, text),
    stage: required(SLUICE_ENV.stage, text),
    taskTable: required(SLUICE_ENV.taskTable, text),
    retentionDays: required(SLUICE_ENV.retentionDays, integer(1, 3650)),
    maxPayloadBytes: required(SLUICE_ENV.maxPayloadBytes, integer(1, 1024 * 1024)),
  };
  const kvTable = read(SLUICE_ENV.kvTable, text, true);
  if (kvTable !== undefined) {
    const defaultTtlSeconds = read(SLUICE_ENV.kvDefaultTtlSeconds, integer(1, 10 * 365 * 86_400), true);
    common.kv = { table: kvTable, maxTtlSeconds: required(SLUICE_ENV.kvMaxTtlSeconds, integer(1, 10 * 365 * 86_400)), ...(defaultTtlSeconds !== undefined ? { defaultTtlSeconds } : {}) };
  }

  // Required by the platform API (its process catalog) and the dispatcher (the subscriptions); a process
  // function without one has no connections and the default chain depth.
  const catalogPath = read(SLUICE_ENV.catalog, text, kind === 'process');
  const catalog: DeploymentCatalog =
    catalogPath === undefined
      ? { processes: [], connections: [], grants: {}, events: { maxChainDepth: DEFAULT_MAX_CHAIN_DEPTH, subscriptions: [] } }
      : readDeploymentCatalog(catalogPath, env.LAMBDA_TASK_ROOT ?? process.cwd(), common);
  const eventsTable = read(SLUICE_ENV.eventsTable, text, true);
  if (eventsTable !== undefined) common.events = { table: eventsTable, maxChainDepth: catalog.events.maxChainDepth };
  const triggerTable = read(SLUICE_ENV.triggerTable, text, true);
  if (triggerTable !== undefined) {
    if (catalog.triggers === undefined) throw new ConfigError(`environment variable ${SLUICE_ENV.triggerTable} is set, but the deployment catalog has no triggers (was it written by this version of the Sluice plugin?)`);
    common.triggers = { table: triggerTable, catalog: catalog.triggers };
  }
  const queueUrlPrefix = () => required(SLUICE_ENV.queueUrlPrefix, z.string().regex(/^https?:\/\/\S+\/$/, 'is not a URL ending with /'));
  if (kind === 'eventDispatcher') {
    const subscribers = catalog.events.subscriptions.map((subscription): Subscriber => {
      const queue = catalog.processes.find((p) => p.name === subscription.process)?.taskQueue;
      if (queue === undefined) throw new ConfigError(`the deployment catalog subscribes process '${subscription.process}' to data events, but it has no task queue`);
      return { subscription, queue };
    });
    const taskQueues = Object.fromEntries(catalog.processes.flatMap((p) => (p.taskQueue !== undefined ? [[p.name, p.taskQueue]] : [])));
    return deepFreeze({ kind, ...common, queueUrlPrefix: queueUrlPrefix(), subscribers, maxChainDepth: catalog.events.maxChainDepth, taskQueues });
  }
  if (kind === 'router') {
    const named = read(SLUICE_ENV.processFunctions, jsonText.pipe(z.record(z.string().min(1), z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a Lambda function name'))), true) ?? {};
    const inputSchemas = read(SLUICE_ENV.inputSchemas, text, true);
    return deepFreeze({
      kind,
      ...common,
      queueUrlPrefix: queueUrlPrefix(),
      processes: catalog.processes,
      ...(inputSchemas !== undefined ? { inputSchemas } : {}),
      triggerTable: required(SLUICE_ENV.triggerTable, text),
      functionNames: Object.fromEntries(catalog.processes.map((p) => [p.name, named[p.name] ?? `${common.service}-${common.stage}-${p.name}`])),
    });
  }
  if (kind === 'platform') {
    const processes: CatalogProcess[] = catalog.processes;
    const inputSchemas = read(SLUICE_ENV.inputSchemas, text, true);
    const scheduleGroup = read(SLUICE_ENV.scheduleGroup, z.string().regex(/^[0-9a-zA-Z_.-]{1,64}$/, 'is not a schedule group name'), true);
    let runtimeTriggers: RuntimeTriggerTargets | undefined;
    if (scheduleGroup !== undefined) {
      const [partition, region, account] = required(SLUICE_ENV.awsAccount, z.string().regex(/^[a-z-]+:[a-z0-9-]+:\d{12}$/, 'is not <partition>:<region>:<account id>')).split(':') as [string, string, string];
      const deadLetterArn = read(SLUICE_ENV.scheduleDeadLetterArn, z.string().regex(/^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:\S+$/, 'is not a queue ARN'), true);
      runtimeTriggers = { scheduleGroup, schedulerRoleArn: required(SLUICE_ENV.schedulerRoleArn, z.string().regex(/^arn:[a-z-]+:iam::\d{12}:role\/\S+$/, 'is not a role ARN')), partition, region, account, ...(deadLetterArn !== undefined ? { deadLetterArn } : {}) };
    }
    return deepFreeze({
      kind,
      ...common,
      queueUrlPrefix: queueUrlPrefix(),
      processes,
      ...(inputSchemas !== undefined ? { inputSchemas } : {}),
      ...(runtimeTriggers !== undefined ? { runtimeTriggers } : {}),
    });
  }

  const queueName = read(SLUICE_ENV.taskQueueName, text, true);
  const queueUrl = read(SLUICE_ENV.taskQueueUrl, z.url(), true);
  if ((queueName === undefined) !== (queueUrl === undefined)) {
    const missing = queueName === undefined ? SLUICE_ENV.taskQueueName : SLUICE_ENV.taskQueueUrl;
    throw new ConfigError(`environment variable ${missing} is not set, though its task queue counterpart is`);
  }
  const processName = required(SLUICE_ENV.process, text);
  const granted = catalog.grants[processName] ?? [];
  const config: AwsProcessConfig = {
    kind,
    ...common,
    process: processName,
    ...(catalog.openlineage ? { openlineage: catalog.openlineage } : {}),
    connections: catalog.connections.filter((connection) => granted.includes(connection.name)),
    declaredConnections: catalog.connections.map((connection) => connection.name),
    timeoutSeconds: required(SLUICE_ENV.timeoutSeconds, integer(1, 900)),
    maxReceiveCounts: required(
      SLUICE_ENV.maxReceiveCounts,
      jsonText.pipe(z.record(z.string().min(1), z.number().int().min(1).max(SQS_MAX_RECEIVE_COUNT))),
    ),
    backoff:
      read(
        SLUICE_ENV.retryBackoff,
        jsonText.pipe(
            z.strictObject({
              initialSeconds: z.number().int().min(0).max(MAX_RETRY_DELAY_SECONDS),
              multiplier: z.number().min(1).max(10),
              maxSeconds: z.number().int().min(0).max(MAX_RETRY_DELAY_SECONDS),
              jitter: z.enum(['full', 'none']),
            }),
          ),
        true,
      ) ?? DEFAULT_BACKOFF,
  };
  if (queueName !== undefined && queueUrl !== undefined) config.taskQueue = { name: queueName, url: queueUrl };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
