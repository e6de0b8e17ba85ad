import { ConfigError } from '../core/errors.js';
import { SQS_DEFAULT_RETENTION_SECONDS, SQS_MAX_RETENTION_SECONDS, SQS_QUEUE_NAME } from '../core/queue/sqsRules.js';

/**
 * Names of what Sluice adds to a service, in one place: the embedded
 * runtime, the Serverless plugin and the Lambda config reader must agree.
 */

/** SQS queue names: 1..80 characters of A-Z a-z 0-9 - _. */
const QUEUE_NAME = SQS_QUEUE_NAME;

/** Task queue of a process: `${service}-${stage}-${function}`. */
export function taskQueueName(service: string, stage: string, functionName: string): string {
  return `${service}-${stage}-${functionName}`;
}

/** Dead-letter queue of a task queue: the task queue name + `-dlq`. */
export function taskDeadLetterQueueName(service: string, stage: string, functionName: string): string {
  return `${taskQueueName(service, stage, functionName)}-dlq`;
}

/** DynamoDB task table: `${service}-${stage}-tasks`. */
export function taskTableName(service: string, stage: string): string {
  return `${service}-${stage}-tasks`;
}

/** DynamoDB key-value table (`ctx.kv`): `${service}-${stage}-kv`. */
export function kvTableName(service: string, stage: string): string {
  return `${service}-${stage}-kv`;
}

/** DynamoDB events table (data events, `ctx.events`): `${service}-${stage}-events`. */
export function eventsTableName(service: string, stage: string): string {
  return `${service}-${stage}-events`;
}

/** DynamoDB trigger-registry table (`/sluice/triggers`): `${service}-${stage}-triggers`. */
export function triggerTableName(service: string, stage: string): string {
  return `${service}-${stage}-triggers`;
}

/** @throws {ConfigError} when SQS would reject the name */
export function assertQueueName(name: string, what: string): void {
  if (!QUEUE_NAME.test(name)) {
    throw new ConfigError(
      `${what}: queue name '${name}' is invalid: SQS allows 1 to 80 letters, digits, '-' and '_' (shorten the service, stage or function name)`,
    );
  }
}

/**
 * The function part of CloudFormation logical ids, as the Serverless
 * Framework writes it (`orders-sync` becomes `OrdersDashsync`), so that ids
 * are unique per function and look like the ones the framework generates.
 */
export function normalizedFunctionName(functionName: string): string {
  const replaced = functionName.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return replaced.charAt(0).toUpperCase() + replaced.slice(1);
}

/** CloudFormation logical ids of the resources Sluice adds. */
export const SLUICE_LOGICAL_IDS = {
  taskTable: 'SluiceTaskTable',
  kvTable: 'SluiceKvTable',
  eventsTable: 'SluiceEventsTable',
  triggerTable: 'SluiceTriggerTable',
  /** Where the event dispatcher's stream batches go when their retries are exhausted. */
  eventDispatchFailures: 'SluiceEventDispatchDlq',
  eventDispatchMapping: 'SluiceEventDispatchMapping',
  taskQueue: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}TaskQueue`,
  taskDeadLetterQueue: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}TaskDlq`,
  role: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}Role`,
  /** The role EventBridge Scheduler assumes to invoke the function (its schedules with a time zone or `at()`). */
  schedulerRole: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}SchedulerRole`,
  /** The n-th (1-based) EventBridge Scheduler schedule of the function. */
  schedulerSchedule: (functionName: string, n: number) => `Sluice${normalizedFunctionName(functionName)}Schedule${n}`,
} as const;

/** Key of the platform API function under `functions` (AWS only). */
export const PLATFORM_FUNCTION = 'sluice-api';

/** Key of the event dispatcher function under `functions` (AWS only; fed by the events table's stream). */
export const EVENT_DISPATCHER_FUNCTION = 'sluice-events';

/** Key of the router of runtime HTTP routes under `functions` (AWS only; behind the HTTP API's catch-all route). */
export const ROUTER_FUNCTION = 'sluice-routes';

/** Routes under this prefix belong to the platform API. */
export const RESERVED_PATH_PREFIX = '/sluice';

/** Environment variables with this prefix are set by Sluice; users may not declare them. */
export const RESERVED_ENV_PREFIX = 'SLUICE_';

/** Retention of task dead-letter queues: 14 days, the SQS maximum, to leave time to inspect and redrive. */
export const TASK_DLQ_RETENTION_SECONDS = SQS_MAX_RETENTION_SECONDS;

/** Retention of task queues: 4 days (the SQS default). */
export const TASK_QUEUE_RETENTION_SECONDS = SQS_DEFAULT_RETENTION_SECONDS;

/** AWS advises a visibility timeout of at least 6 times the consuming function's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
