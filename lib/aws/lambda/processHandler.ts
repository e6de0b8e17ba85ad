import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoScheduleOverlap } from '../DynamoScheduleOverlap.js';
import type { Context } from 'aws-lambda';
import { ConfigError, MalformedInputError, assertNever } from '../../core/errors.js';
import { isoTime } from '../../core/time/isoTime.js';
import { derivedTaskId } from '../../core/task/taskIds.js';
import { newTaskRecord } from '../../core/task/newTaskRecord.js';
import type { TaskRecord } from '../../core/task/TaskRecord.js';
import { failedTaskLogLine } from '../../core/task/failedTaskLogLine.js';
import { toSummary } from '../../core/task/TaskRecord.js';
import type { OpenLineageEmitter } from '../../agents/openlineage/OpenLineageEmitter.js';
import { runEventsOf, type OpenLineageSource } from '../../core/openlineage/runEventsOf.js';
import { jobNamespaceOf } from '../../core/openlineage/jobNamespaceOf.js';
import { SLUICE_PRODUCER, SLUICE_VERSION } from '../../platform/sluiceVersion.js';
import { type Clock } from '../../core/ports/Clock.js';
import { systemClock } from '../../core/time/systemClock.js';
import type { ProcessDefinition } from '../../core/process/types.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import { TaskRunner } from '../../core/runner/TaskRunner.js';
import type { AwsProcessConfig } from '../config/readAwsConfig.js';
import { readAwsConfig } from '../config/readAwsConfig.js';
import { SLUICE_ENV } from '../config/sluiceEnv.js';
import { DynamoTaskStore } from '../DynamoTaskStore.js';
import { handleHttpEvent } from './handleHttpEvent.js';
import { handleScheduleEvent } from './handleScheduleEvent.js';
import { DynamoTriggerRegistry } from '../DynamoTriggerRegistry.js';
import { ScheduleTriggerState } from '../triggers/ScheduleTriggerState.js';
import { handleSqsBatch, type SqsBatchContext } from './handleSqsBatch.js';
import { delayRetryOnSqs } from './delayRetryOnSqs.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { classifyProcessEvent, type ProcessEvent } from './processEvent.js';
import { composeAgents } from '../../agents/composeAgents.js';
import { resolveSecretRefs } from '../../agents/secrets/resolveSecretRefs.js';
import type { SecretResolver } from '../../core/agents/SecretResolver.js';
import type { TaskAgents } from '../../core/agents/TaskAgents.js';
import { InProcessTaskExecutor } from '../../core/execution/InProcessTaskExecutor.js';
import { keyValueStoreOf } from './keyValueStoreOf.js';
import { eventStoreOf } from './eventStoreOf.js';

/** A Lambda handler as Sluice's entry points expose it. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * `true` makes the worker write a `running` record when a task starts: one
 * more billed DynamoDB write per task, for a status that is otherwise
 * `queued` until the task finishes. Off unless set.
 */
export const TRACK_RUNNING_ENV = SLUICE_ENV.trackRunning;

/** What a process function is built from: in Lambda, the environment and fresh clients. */
export interface ProcessHandlerDeps {
  config: Readonly<AwsProcessConfig>;
  /** Created once per container. */
  dynamo: DynamoDBClient;
  /** @default systemClock */
  clock?: Clock;
  /** @default false (see {@link TRACK_RUNNING_ENV}) */
  trackRunning?: boolean;
  /**
   * The directory stored stack traces are relative to: the function's code,
   * `LAMBDA_TASK_ROOT` (`/var/task`), where the package's root (the
   * directory of `serverless.yml`) is unpacked.
   */
  serviceRoot?: string;
  /** The function's connections (`ctx.db(name)`...), secrets resolved; see {@link composeProcessDeps}. */
  agents?: TaskAgents;
  /** Pushes each finished task as OpenLineage run events (`custom.sluice.openlineage`); see {@link composeProcessDeps}. */
  openLineage?: { emitter: OpenLineageEmitter; source: OpenLineageSource };
  /** Applies a retry's delay to its SQS message (see `SqsBatchContext.delayRetry`); {@link processDepsFromEnv} gives `delayRetryOnSqs`. */
  delayRetry?: SqsBatchContext['delayRetry'];
  /**
   * Read a running task's record this often (ms) to notice a cancel asked
   * for through the platform API (another Lambda cannot signal this one).
   * Default {@link DEFAULT_CANCEL_POLL_MS}; 0 turns it off.
   */
  cancelPollMs?: number;
}

/**
 * Every 5 s a running task reads its own record: one strongly consistent
 * GetItem (0.5 RCU for a record up to 4 KB) per running task per 5 s, i.e.
 * 12 reads a minute of running time, to end a cancelled task within about 5 s.
 */
export const DEFAULT_CANCEL_POLL_MS = 5000;

/**
 * Builds the Lambda handler of one process: the task store and runner are
 * made here, once; every event is then parsed, handed to the core, and its
 * outcome mapped back to what the trigger expects:
 *
 * - API Gateway HTTP API (2.0): a synchronous task, answered like the
 *   embedded runtime answers (`syncReply` / `errorReply`).
 * - SQS batch: one task per record, `{ batchItemFailures }` for the rest
 *   (the task queue also carries the tasks of `dataEvent` subscriptions,
 *   queued by the event dispatcher).
 * - EventBridge schedule: one task per firing; a throw asks Lambda to retry.
 *
 * @throws {ConfigError} when the definition names another process than the function's
 */
export function createProcessHandler(definition: ProcessDefinition, deps: ProcessHandlerDeps): LambdaHandler {
  const { config, dynamo } = deps;
  const clock = deps.clock ?? systemClock;
  if (definition.name !== undefined && definition.name !== config.process) {
    throw new ConfigError(`the handler of function '${config.process}' defines process '${definition.name}': the names must match`);
  }
  // Final records publish their data events into the events table, in the same transaction.
  const store = new DynamoTaskStore({
    client: dynamo,
    tableName: config.taskTable,
    processes: [config.process],
    clock,
    ...(config.events ? { eventsTableName: config.events.table } : {}),
  });
  const runner = new TaskRunner({
    store,
    clock,
    retentionSeconds: config.retentionDays * 86_400,
    trackRunning: deps.trackRunning ?? false,
    // One JSON line per task that ends without success: CloudWatch Logs Insights and metric filters find it.
    onFinished: async (record, events) => {
      const line = failedTaskLogLine(record);
      if (line) console.error(JSON.stringify(line));
      // Awaited: what a Lambda leaves running after it returns is frozen. The emitter never throws.
      if (deps.openLineage) await deps.openLineage.emitter.emit(runEventsOf(toSummary(record), events, deps.openLineage.source));
    },
    ...((deps.cancelPollMs ?? DEFAULT_CANCEL_POLL_MS) > 0 ? { cancelPollMs: deps.cancelPollMs ?? DEFAULT_CANCEL_POLL_MS } : {}),
    ...(deps.serviceRoot !== undefined ? { serviceRoot: deps.serviceRoot } : {}),
    executor: new InProcessTaskExecutor(clock, deps.serviceRoot, deps.agents, keyValueStoreOf(config, dynamo, clock), eventStoreOf(config, dynamo, clock)),
  });
  const target: RunnableProcess = { name: config.process, definition, timeoutMs: config.timeoutSeconds * 1000, backoff: config.backoff };
  // Pauses of static schedules, and runtime schedules paused or deleted meanwhile, are the registry's.
  const triggers = config.triggers ? new ScheduleTriggerState(new DynamoTriggerRegistry({ client: dynamo, tableName: config.triggers.table }), config.triggers.catalog.statics) : undefined;
  const overlap = new DynamoScheduleOverlap({ client: dynamo, tableName: config.taskTable, statusOf: async (taskId) => (await store.get(taskId))?.status, inFlightMs: target.timeoutMs });

  return async (event, context) => {
    const deadlineMs = clock.now() + context.getRemainingTimeInMillis();
    let parsed: ProcessEvent;
    try {
      parsed = classifyProcessEvent(event);
    } catch (error) {
      // A schedule firing that cannot be read would fail every retry and vanish: it leaves a failed record and a log line instead.
      if (error instanceof MalformedInputError && looksLikeScheduleFiring(event)) return recordMalformedFiring(event, error, { store, process: config.process, clock, retentionSeconds: config.retentionDays * 86_400 });
      throw error;
    }
    switch (parsed.kind) {
      case 'http':
        return handleHttpEvent(parsed.event, { runner, process: target, maxPayloadBytes: config.maxPayloadBytes, deadlineMs });
      case 'sqs':
        return handleSqsBatch(parsed.records, {
          runner,
          process: target,
          maxReceiveCounts: config.maxReceiveCounts,
          deadlineMs,
          lambdaContext: context,
          ...(deps.delayRetry ? { delayRetry: deps.delayRetry } : {}),
        });
      case 'schedule':
        return handleScheduleEvent(parsed.firing, { runner, process: target, clock, deadlineMs, overlap, ...(triggers ? { triggers } : {}) });
      default:
        return assertNever(parsed, 'process event');
    }
  };
}

/** The configuration and clients of this container, from the environment the plugin set. */
export function processDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessHandlerDeps {
  const config = readAwsConfig(env);
  if (config.kind !== 'process') {
    throw new ConfigError(`this function is configured as the '${config.kind}' function, not a process: is its handler a defineProcess(...).handler?`);
  }
  return {
    config,
    dynamo: new DynamoDBClient({}),
    trackRunning: env[TRACK_RUNNING_ENV] === 'true',
    serviceRoot: env.LAMBDA_TASK_ROOT ?? '/var/task',
    delayRetry: delayRetryOnSqs(new SQSClient({})),
  };
}

/**
 * The composition root of a process function: {@link processDepsFromEnv}
 * plus its agents — the connections it is granted in the bundled deployment
 * catalog, their `ssm` / `secretsManager` references resolved here, once per
 * container (the SSM and Secrets Manager clients are created only when a
 * connection has a reference; values live in memory only).
 *
 * @throws {ConfigError} naming the setting whose secret cannot be read (the
 *   invocation fails; the next one tries again)
 */
export async function composeProcessDeps(env: NodeJS.ProcessEnv = process.env, resolver?: SecretResolver): Promise<ProcessHandlerDeps> {
  const deps = await withOpenLineage(processDepsFromEnv(env), resolver);
  const { config } = deps;
  if (config.declaredConnections.length === 0) return deps;
  // Powertools Parameters and the SSM / Secrets Manager clients load only where a connection is granted.
  const secrets = resolver ?? (config.connections.length > 0 ? new (await import('../../agents/secrets/AwsSecretResolver.js')).AwsSecretResolver() : undefined);
  const connections = await Promise.all(
    config.connections.map(async (connection) => ({
      ...connection,
      settings: (await resolveSecretRefs(connection.settings, secrets!, `custom.sluice.connections.${connection.name}`)) as unknown as Record<string, unknown>,
    })),
  );
  const host = { kind: 'lambda' as const, serviceDir: deps.serviceRoot ?? '/var/task' };
  return { ...deps, agents: await composeAgents(config.process, { connections, declared: config.declaredConnections, host }) };
}

// Per container: built on the first event (not at import, so the embedded
// runtime, which imports the same modules, never builds it), then reused.
const handlers = new WeakMap<ProcessDefinition, LambdaHandler>();

/**
 * The Lambda entry point behind `defineProcess(...).handler`, which imports
 * this module on its first event. A failure to build (a missing variable) is
 * not cached: the invocation fails with it, and the next one tries again.
 */
export async function handleProcessEvent(definition: ProcessDefinition, event: unknown, context: Context): Promise<unknown> {
  let handler = handlers.get(definition);
  if (handler === undefined) {
    handler = createProcessHandler(definition, await composeProcessDeps());
    handlers.set(definition, handler);
  }
  return handler(event, context);
}

/** An event meant as a schedule firing (the plugin's `sluiceSchedule` input, or EventBridge's own). */
function looksLikeScheduleFiring(event: unknown): boolean {
  return typeof event === 'object' && event !== null && ('sluiceSchedule' in event || (event as { source?: unknown }).source === 'aws.events');
}

/**
 * Stores a failed task for a schedule firing that cannot be parsed (its id
 * derived from the event, so Lambda's retries of it make one record), logs
 * it, and ends the invocation without an error: retrying cannot help.
 */
async function recordMalformedFiring(
  event: unknown,
  error: MalformedInputError,
  deps: { store: DynamoTaskStore; process: string; clock: Clock; retentionSeconds: number },
): Promise<{ taskId: string; ran: false }> {
  const nowMs = deps.clock.now();
  const raw = JSON.stringify(event) ?? '';
  const taskId = derivedTaskId(nowMs - (nowMs % 60_000), 'malformed-schedule', deps.process, raw);
  const record: TaskRecord = {
    ...newTaskRecord({ taskId, process: deps.process, status: 'running', trigger: { type: 'schedule', rule: '(unreadable)', scheduledTime: isoTime(nowMs) }, nowMs, retentionSeconds: deps.retentionSeconds }),
    status: 'failed',
    finishedAt: isoTime(nowMs),
    error: { kind: 'system', name: 'MalformedScheduleEvent', message: error.message },
    logs: [{ time: isoTime(nowMs), level: 'error', message: `a schedule firing could not be read and did not run: ${error.message}` }],
  };
  await deps.store.save(record);
  console.error(JSON.stringify({ level: 'ERROR', message: 'unreadable schedule firing', process: deps.process, taskId, error: error.message }));
  return { taskId, ran: false };
}

/**
 * The OpenLineage push of this function, when `custom.sluice.openlineage`
 * is set: its API key (an `ssm` / `secretsManager` reference) resolved once
 * per container; failures to deliver are logged, never thrown.
 */
async function withOpenLineage(deps: ProcessHandlerDeps, resolver: SecretResolver | undefined): Promise<ProcessHandlerDeps> {
  const settings = deps.config.openlineage;
  if (!settings) return deps;
  const secrets = settings.apiKey ? (resolver ?? new (await import('../../agents/secrets/AwsSecretResolver.js')).AwsSecretResolver()) : undefined;
  const apiKey = settings.apiKey && secrets ? await secrets.resolve(settings.apiKey, 'custom.sluice.openlineage.apiKey') : undefined;
  // Loaded only where a push is configured: the other functions' bundles do without it.
  const { OpenLineageEmitter } = await import('../../agents/openlineage/OpenLineageEmitter.js');
  const emitter = new OpenLineageEmitter({
    url: settings.url,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    onFailure: (failure) => console.warn(JSON.stringify({ level: 'WARN', message: 'OpenLineage event not delivered', ...failure })),
  });
  const source: OpenLineageSource = { namespace: settings.namespace ?? jobNamespaceOf(deps.config.service, deps.config.stage), producer: SLUICE_PRODUCER, engineVersion: SLUICE_VERSION };
  return { ...deps, openLineage: { emitter, source } };
}
