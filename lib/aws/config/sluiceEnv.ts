/**
 * Names of the environment variables the Serverless plugin
 * (lib/serverless) sets on each Lambda function and `readAwsConfig` reads.
 *
 * Every function:
 * - `SLUICE_FUNCTION_KIND`: `process` (a Sluice process) or `platform` (the platform API).
 * - `SLUICE_SERVICE`, `SLUICE_STAGE`: the service name and stage.
 * - `SLUICE_TASK_TABLE`: name of the DynamoDB task table.
 * - `SLUICE_RETENTION_DAYS`: how long task records are kept (`custom.sluice.retentionDays`).
 * - `SLUICE_MAX_PAYLOAD_BYTES`: largest accepted body / message (`custom.sluice.maxPayloadBytes`).
 * - `SLUICE_KV_TABLE`: the key-value table (`ctx.kv`, `/sluice/kv`); `SLUICE_KV_MAX_TTL_SECONDS`
 *   and, when set, `SLUICE_KV_DEFAULT_TTL_SECONDS` (`custom.sluice.kv`).
 * - `SLUICE_EVENTS_TABLE`: the events table (data events: `ctx.events`; process
 *   functions publish there with their final task record).
 * - `SLUICE_CATALOG`: path, in the bundle, of the deployment catalog (processes,
 *   connections with their secret references, grants; see `deploymentCatalog.ts`).
 *
 * Process functions:
 * - `SLUICE_PROCESS`: the process name (the function key).
 * - `SLUICE_TIMEOUT_SECONDS`: the function timeout.
 * - `SLUICE_TASK_QUEUE_NAME`, `SLUICE_TASK_QUEUE_URL`: its task queue; both absent
 *   when the process opted out (`sluice: { queue: false }`).
 * - `SLUICE_MAX_RECEIVE_COUNTS`: JSON `{ "<queue name>": maxReceiveCount }` for each
 *   queue the function consumes (its static queue triggers, and every queue a
 *   runtime queue trigger may subscribe it to) that has a dead-letter queue, so the
 *   worker knows which receive is the last attempt. Queues without redrive are absent.
 * - `SLUICE_RETRY_BACKOFF`: JSON `{ initialSeconds, multiplier, maxSeconds, jitter }`
 *   (`sluice.retry.backoff`); absent when it is the default (`DEFAULT_BACKOFF`).
 *
 * The platform function:
 * - `SLUICE_QUEUE_URL_PREFIX`: `https://sqs.<region>.<suffix>/<account>/`; a task
 *   queue's URL is this prefix + its name.
 * - `SLUICE_INPUT_SCHEMAS`: path, in the bundle, of the processes' input JSON
 *   Schemas (see `inputSchemaCatalog.ts`), to answer 400 to invalid async payloads.
 *
 * - `SLUICE_SCHEDULE_GROUP`, `SLUICE_SCHEDULER_ROLE_ARN`, `SLUICE_AWS_ACCOUNT`
 *   (`<partition>:<region>:<account id>`): where runtime schedule triggers go
 *   (an EventBridge Scheduler group of this service and stage), the role
 *   Scheduler assumes to invoke a process function, and what the function
 *   and queue ARNs of runtime triggers are built from; `SLUICE_SCHEDULE_DLQ_ARN`
 *   (when the deployment has an async-failures queue): runtime schedules'
 *   dead-letter queue.
 *
 * The platform function, the process functions and the event dispatcher:
 * - `SLUICE_TRIGGER_TABLE`: the trigger registry (runtime triggers, the
 *   paused state of static ones).
 *
 * The event dispatcher (`SLUICE_FUNCTION_KIND=eventDispatcher`), fed by the
 * events table's stream: `SLUICE_QUEUE_URL_PREFIX` as the platform function;
 * the subscriptions and the chain depth limit come from the catalog.
 *
 * The router of runtime HTTP routes (`SLUICE_FUNCTION_KIND=router`, behind the
 * HTTP API's catch-all route): `SLUICE_QUEUE_URL_PREFIX` and
 * `SLUICE_INPUT_SCHEMAS` as the platform function, and
 * - `SLUICE_TRIGGER_TABLE`: the trigger registry's table;
 * - `SLUICE_PROCESS_FUNCTIONS`: JSON `{ "<process>": "<Lambda function name>" }`
 *   for the processes whose function is not named `${service}-${stage}-${process}`
 *   (a `name` set in serverless.yml); usually `{}`.
 */
export const SLUICE_ENV = {
  functionKind: 'SLUICE_FUNCTION_KIND',
  service: 'SLUICE_SERVICE',
  stage: 'SLUICE_STAGE',
  taskTable: 'SLUICE_TASK_TABLE',
  retentionDays: 'SLUICE_RETENTION_DAYS',
  maxPayloadBytes: 'SLUICE_MAX_PAYLOAD_BYTES',
  process: 'SLUICE_PROCESS',
  timeoutSeconds: 'SLUICE_TIMEOUT_SECONDS',
  taskQueueName: 'SLUICE_TASK_QUEUE_NAME',
  taskQueueUrl: 'SLUICE_TASK_QUEUE_URL',
  maxReceiveCounts: 'SLUICE_MAX_RECEIVE_COUNTS',
  queueUrlPrefix: 'SLUICE_QUEUE_URL_PREFIX',
  catalog: 'SLUICE_CATALOG',
  kvTable: 'SLUICE_KV_TABLE',
  eventsTable: 'SLUICE_EVENTS_TABLE',
  kvMaxTtlSeconds: 'SLUICE_KV_MAX_TTL_SECONDS',
  kvDefaultTtlSeconds: 'SLUICE_KV_DEFAULT_TTL_SECONDS',
  inputSchemas: 'SLUICE_INPUT_SCHEMAS',
  trackRunning: 'SLUICE_TRACK_RUNNING',
  retryBackoff: 'SLUICE_RETRY_BACKOFF',
  triggerTable: 'SLUICE_TRIGGER_TABLE',
  scheduleGroup: 'SLUICE_SCHEDULE_GROUP',
  schedulerRoleArn: 'SLUICE_SCHEDULER_ROLE_ARN',
  awsAccount: 'SLUICE_AWS_ACCOUNT',
  scheduleDeadLetterArn: 'SLUICE_SCHEDULE_DLQ_ARN',
  processFunctions: 'SLUICE_PROCESS_FUNCTIONS',
} as const;

/** Values of `SLUICE_FUNCTION_KIND`. */
export const FUNCTION_KIND = { process: 'process', platform: 'platform', eventDispatcher: 'eventDispatcher', router: 'router' } as const;

/** Lambda limits all environment variables of a function (names and values) to 4 KB together. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;
