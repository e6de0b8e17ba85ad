import { AsyncDisabledError, IdempotencyConflictError, ValidationError } from '../errors.js';
import type { Clock } from '../ports/Clock.js';
import { isoTime } from '../time/isoTime.js';
import type { TaskDispatcher, TaskEnvelope } from '../ports/TaskDispatcher.js';
import type { ProcessDefinition } from '../process/types.js';
import { validateInput } from '../process/validateInput.js';
import { inputOf, type HttpPayload, type Payload } from '../task/Payload.js';
import type { TaskRecord } from '../task/TaskRecord.js';
import { dispatchedPayloadHash } from '../task/taskEnvelopeCodec.js';
import { idempotentTaskId, newTaskId, scheduleTaskId } from '../task/taskIds.js';
import { newTaskRecord } from '../task/newTaskRecord.js';

/** A process as the submit path needs it. */
export interface SubmittableProcess {
  name: string;
  /** Undefined when the process has no task queue. */
  taskQueue: string | undefined;
  /** When present, the payload is validated before the task is accepted (400 at the edge). */
  definition?: Pick<ProcessDefinition, 'input'>;
  /**
   * Without a definition (the AWS platform function and router have no
   * process code): a check of the task's input (an API payload, or an async
   * route's `inputOf(HttpPayload)`) against the process's input JSON Schema.
   * @throws {ValidationError}
   */
  validatePayload?: (payload: unknown) => void;
}

export interface SubmitDeps {
  dispatcher: TaskDispatcher;
  clock: Clock;
  retentionSeconds: number;
}

export interface SubmitRequest {
  payload: unknown;
  idempotencyKey?: string;
}

export interface SubmitResult {
  /** False when an earlier submission with the same idempotency key is returned. */
  created: boolean;
  record: TaskRecord;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Accepts an async task (`POST /sluice/tasks`): validates, derives the task
 * id (random, or from the idempotency key), and dispatches it.
 *
 * @throws {ValidationError} payload or idempotency key invalid
 * @throws {IdempotencyConflictError} the key was used with another payload
 * @throws {AsyncDisabledError} the process has no task queue
 */
export async function submitTask(process: SubmittableProcess, request: SubmitRequest, deps: SubmitDeps): Promise<SubmitResult> {
  if (!process.taskQueue) throw new AsyncDisabledError(process.name);
  const { idempotencyKey } = request;
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ValidationError('Idempotency-Key must be 1-255 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'invalid' }]);
  }
  if (process.definition) validateInput(process.definition.input, request.payload);
  else process.validatePayload?.(request.payload);

  const now = deps.clock.now();
  const payload: Payload = { type: 'api', body: request.payload };
  // Every dispatched record keeps the hash of what its envelope carries: the
  // worker accepts a message as this task's only if it carries that payload,
  // and an idempotent retry with another payload is a conflict.
  const hash = dispatchedPayloadHash(payload);
  const record: TaskRecord = {
    ...newTaskRecord({
      taskId: idempotencyKey ? idempotentTaskId(process.name, idempotencyKey) : newTaskId(),
      process: process.name,
      status: 'queued',
      trigger: { type: 'api' },
      nowMs: now,
      retentionSeconds: deps.retentionSeconds,
    }),
    payloadHash: hash,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  const outcome = await deps.dispatcher.dispatch(record, envelopeOf(record, payload), { queue: process.taskQueue });
  if (outcome.created) return { created: true, record };
  if (outcome.existing.payloadHash !== hash) throw new IdempotencyConflictError(idempotencyKey ?? '', outcome.existing.taskId);
  return { created: false, record: outcome.existing };
}

/**
 * Queues one firing of a schedule as a task. The id derives from rule and
 * due time, so a firing that is dispatched twice (a restart at the wrong
 * moment) is still one task. Schedules get 3 attempts, as Lambda gives an
 * EventBridge (asynchronous) invocation.
 */
export async function dispatchScheduledTask(
  process: SubmittableProcess,
  firing: ScheduleFiring,
  deps: SubmitDeps,
): Promise<SubmitResult> {
  if (!process.taskQueue) throw new AsyncDisabledError(process.name);
  const scheduledTime = isoTime(firing.scheduledTimeMs);
  const now = deps.clock.now();
  const payload: Payload = { type: 'schedule', rule: firing.rule, scheduledTime, input: firing.input };
  const record: TaskRecord = {
    ...newTaskRecord({
      taskId: scheduleTaskId(process.name, firing.rule, scheduledTime),
      process: process.name,
      status: 'queued',
      trigger: scheduleTrigger(firing, scheduledTime),
      nowMs: now,
      retentionSeconds: deps.retentionSeconds,
    }),
    payloadHash: dispatchedPayloadHash(payload),
  };
  const envelope = { ...envelopeOf(record, payload), maxAttempts: SCHEDULE_MAX_ATTEMPTS };
  const outcome = await deps.dispatcher.dispatch(record, envelope, { queue: process.taskQueue });
  return outcome.created ? { created: true, record } : { created: false, record: outcome.existing };
}

/** One firing of a schedule rule. */
export interface ScheduleFiring {
  rule: string;
  /** The due time, epoch ms. */
  scheduledTimeMs: number;
  /** The event's declared `input`. */
  input: unknown;
  /** Run late at start-up because it fell due while the embedded runtime was down. */
  catchUp?: boolean;
}

/** The trigger of a firing's task (`catchUp` only when set, so on-time records stay as they were). */
export function scheduleTrigger(firing: ScheduleFiring, scheduledTime: string): TaskRecord['trigger'] {
  return { type: 'schedule', rule: firing.rule, scheduledTime, ...(firing.catchUp ? { catchUp: true as const } : {}) };
}

/** Lambda retries a failed asynchronous invocation twice. */
export const SCHEDULE_MAX_ATTEMPTS = 3;

function envelopeOf(record: TaskRecord, payload: Payload): TaskEnvelope {
  return { taskId: record.taskId, process: record.process, trigger: record.trigger, createdAt: record.createdAt, payload };
}

/** Request headers an async route does not carry into its task: a queue message outlives the request, credentials must not. */
export const UNCARRIED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/**
 * Accepts the request of an async HTTP route (LOC's async API route) as a
 * queued task: the input validated now (a 400 before anything is queued),
 * credentials headers left out of what is queued ({@link UNCARRIED_HEADERS}).
 *
 * @throws {ValidationError} the input does not match the process's schema
 * @throws {AsyncDisabledError} the process has no task queue
 */
export async function submitHttpTask(process: SubmittableProcess, payload: HttpPayload, deps: SubmitDeps): Promise<TaskRecord> {
  if (!process.taskQueue) throw new AsyncDisabledError(process.name);
  if (process.definition) validateInput(process.definition.input, inputOf(payload));
  else process.validatePayload?.(inputOf(payload));
  const headers = Object.fromEntries(Object.entries(payload.headers).filter(([name]) => !UNCARRIED_HEADERS.has(name)));
  const carried: HttpPayload = { ...payload, headers };
  const record: TaskRecord = {
    ...newTaskRecord({
      taskId: newTaskId(),
      process: process.name,
      status: 'queued',
      trigger: { type: 'http', method: payload.method, path: payload.path, route: payload.route },
      nowMs: deps.clock.now(),
      retentionSeconds: deps.retentionSeconds,
    }),
    payloadHash: dispatchedPayloadHash(carried),
  };
  await deps.dispatcher.dispatch(record, envelopeOf(record, carried), { queue: process.taskQueue });
  return record;
}
