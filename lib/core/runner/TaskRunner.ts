import { TaskRecordTooLargeError, ValidationError, assertNever } from '../errors.js';
import type { ExecutionOutcome } from '../execution/executeTask.js';
import { InProcessTaskExecutor } from '../execution/InProcessTaskExecutor.js';
import type { LogLimits } from '../execution/TaskLogBuffer.js';
import type { Clock } from '../ports/Clock.js';
import { isoTime } from '../time/isoTime.js';
import type { TaskExecutionOptions, TaskExecutor } from '../ports/TaskExecutor.js';
import type { TaskStore } from '../ports/TaskStore.js';
import { validateInput } from '../process/validateInput.js';
import { inputOf, type Payload } from '../task/Payload.js';
import { isTerminal, type TaskError, type TaskRecord, type TriggerInfo } from '../task/TaskRecord.js';
import type { RunnableProcess } from './RunnableProcess.js';
import type { DataEvent } from '../events/DataEvent.js';
import { expiresAtFor, newTaskRecord } from '../task/newTaskRecord.js';
import { backoffDelaySeconds, DEFAULT_BACKOFF } from '../retry/RetryPolicy.js';
import { keptPayload } from '../task/keptPayload.js';

export interface TaskRunnerOptions {
  store: TaskStore;
  clock: Clock;
  /** How long records are kept. */
  retentionSeconds: number;
  /**
   * Write a `running` record when a queued task starts. Costs one write per
   * task: on by default in the embedded runtime, off on AWS (where it is a
   * billed DynamoDB write; a task then shows `queued` until it finishes).
   * Synchronous tasks never get one: their caller is waiting on the result.
   */
  trackRunning: boolean;
  logLimits?: LogLimits;
  /** Keep this much of a host deadline for storing the outcome. Default 1000 ms. */
  deadlineMarginMs?: number;
  /** See {@link ExecuteOptions.serviceRoot}: given by each runtime; used by the default (in-process) executor. */
  serviceRoot?: string;
  /** Where process code runs. Default: in process ({@link InProcessTaskExecutor}); the embedded runtime passes its worker threads. */
  executor?: TaskExecutor;
  /**
   * Told of every final record this runner stored, with the events published
   * with it (e.g. to push OpenLineage run events). Awaited: a Lambda host
   * must finish before it returns (what it leaves running is frozen); an
   * embedded host returns at once and lets the work go on.
   */
  onFinished?(record: TaskRecord, events: readonly DataEvent[]): void | Promise<void>;
  /** [0, 1) for full-jitter backoff. Default `Math.random`; tests pass their own. */
  random?: () => number;
  /**
   * Read the task's record every this many ms while it runs, and cancel it
   * when a cancel was asked for (`cancelRequestedAt`, or the record already
   * `cancelled`). For hosts whose cancel requests arrive elsewhere (AWS: the
   * platform Lambda cannot reach the running one): each read is one
   * strongly consistent GetItem (0.5 RCU for a small record) per running
   * task per period. Default: no polling (the embedded runtime is told directly, {@link TaskRunner.requestCancel}).
   */
  cancelPollMs?: number;
}

/** A synchronous run: the task starts now and its caller waits. */
export interface SyncRun {
  taskId: string;
  trigger: TriggerInfo;
  payload: Payload;
  /** Validated at the edge (an invalid request never becomes a task). */
  input: unknown;
  /** Absolute epoch ms by which the host must be done (Lambda's deadline). */
  deadlineMs?: number;
}

/** One delivery of a queued task: an async submission, a schedule, a streaming message. */
export interface Delivery {
  taskId: string;
  trigger: TriggerInfo;
  payload: Payload;
  createdAt: string;
  /** The queue's receive count for this message (1 on first delivery); 0 when unknown. */
  receiveCount: number;
  /** Deliveries allowed before the task is finally failed (the queue's maxReceiveCount). */
  maxAttempts: number;
  deadlineMs?: number;
  /** Set when the message cannot be a valid delivery (a malformed task envelope): the task fails for good without running. */
  poison?: string;
  /**
   * Set when the message claims to be the envelope of task `taskId`. It is
   * that task's delivery only if the task's record (same process) holds
   * `payloadHash`; otherwise the message is delivered as `own` (its own
   * streaming task) and fails there, leaving the named task untouched.
   */
  claim?: { payloadHash: string; own: Delivery };
}

/**
 * What the queue consumer must do with the message:
 * - `ack`: delete it; the task is finished (or was already).
 * - `retry`: keep it; it becomes visible again after the result's
 *   `delaySeconds` (the backoff, or what a `RetryAfterError` asked).
 * - `dead-letter`: the task is finally failed; move the message to the DLQ
 *   now if the host can, otherwise treat as `retry` (SQS redrive moves it).
 */
export type DeliveryDecision = 'ack' | 'retry' | 'dead-letter';

interface DeliveryResultBase {
  record: TaskRecord;
  /** False when the delivery was a duplicate of a finished task and ran nothing. */
  ran: boolean;
}

/**
 * The decision and what goes with it: a `retry` carries the delay the queue
 * applies before the next delivery (`ChangeMessageVisibility` to
 * `delaySeconds`, 0..43200: the function's backoff, or a `RetryAfterError`'s).
 */
export type DeliveryResult = DeliveryResultBase &
  ({ decision: 'ack' } | { decision: 'retry'; delaySeconds: number } | { decision: 'dead-letter' });

export interface SyncResult {
  record: TaskRecord;
  outcome: ExecutionOutcome;
}

/**
 * The execution core's orchestrator: runs a process through its
 * {@link TaskExecutor} and records every transition in the {@link TaskStore}.
 * It knows nothing of HTTP, SQS or SQLite; runners (the embedded runtime, the
 * Lambda handlers) call it and map its results.
 */
export class TaskRunner {
  readonly #opts: Required<Omit<TaskRunnerOptions, 'logLimits' | 'serviceRoot' | 'onFinished' | 'cancelPollMs'>> & Pick<TaskRunnerOptions, 'logLimits' | 'serviceRoot' | 'onFinished' | 'cancelPollMs'>;
  /** Cancel switches of the tasks this runner is executing now, by task id. */
  readonly #running = new Map<string, AbortController>();

  constructor(options: TaskRunnerOptions) {
    this.#opts = { deadlineMarginMs: 1000, executor: new InProcessTaskExecutor(options.clock, options.serviceRoot), random: Math.random, ...options };
  }

  /**
   * Cancels task `taskId` if this runner is executing it now: its
   * `ctx.signal` aborts and it ends `cancelled`. Returns whether it was
   * running here (the caller has already recorded the request on the record).
   */
  /** Whether this runner is executing the task now (its code runs here, whatever the queue thinks). */
  isRunning(taskId: string): boolean {
    return this.#running.has(taskId);
  }

  requestCancel(taskId: string): boolean {
    const controller = this.#running.get(taskId);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  /** Runs a task now (sync HTTP trigger). Stores it once, when it ends; returns the stored record. */
  async runSync(process: RunnableProcess, run: SyncRun): Promise<SyncResult> {
    const { clock } = this.#opts;
    const now = clock.now();
    const record = newTaskRecord({ taskId: run.taskId, process: process.name, status: 'running', trigger: run.trigger, nowMs: now, retentionSeconds: this.#opts.retentionSeconds });
    const outcome = await this.#opts.executor.execute(
      process,
      { taskId: run.taskId, process: process.name, attempt: 1, trigger: run.trigger, payload: run.payload, input: run.input },
      this.#executeOptions(process, run.deadlineMs),
    );
    const final = finalRecord(record, outcome, 1);
    // The id is fresh and only this caller knows it: a plain insert (create)
    // is enough, and is the cheaper write in every store. Events go with a save.
    if (outcome.events.length === 0) {
      try {
        const created = await this.#opts.store.create(final);
        if (created.created) {
          await this.#opts.onFinished?.(final, []);
          return { record: final, outcome };
        }
      } catch (error) {
        if (!(error instanceof TaskRecordTooLargeError)) throw error;
      }
    }
    const { stored, mine } = await this.#saveFinal(final, outcome.events);
    if (mine) await this.#opts.onFinished?.(stored, outcome.events);
    return { record: stored, outcome };
  }

  /** Handles one delivery of a queued task (see {@link DeliveryDecision}). */
  async deliver(process: RunnableProcess, delivery: Delivery): Promise<DeliveryResult> {
    const { store, clock } = this.#opts;
    const existing = await store.get(delivery.taskId);
    if (delivery.claim) {
      const refused = refuseClaim(delivery, existing, process.name);
      if (refused !== undefined) return this.deliver(process, { ...delivery.claim.own, poison: refused });
    }
    if (existing && isTerminal(existing.status)) {
      // A duplicate or late redelivery: never run a finished task again (a cancelled task's message is dropped).
      return { decision: decisionFor(existing), record: existing, ran: false };
    }
    const attempt = Math.max(delivery.receiveCount, (existing?.attempts ?? 0) + 1);
    const now = clock.now();
    const base: TaskRecord = {
      ...(existing ?? {
        taskId: delivery.taskId,
        process: process.name,
        trigger: delivery.trigger,
        createdAt: delivery.createdAt,
        logs: [],
      }),
      status: 'running',
      attempts: attempt,
      startedAt: isoTime(now),
      expiresAt: this.#expiresAt(now),
    };
    delete base.finishedAt;
    if (base.payload === undefined) {
      // Kept for replay, when small enough (see TaskRecord.payload).
      const kept = keptPayload(delivery.payload);
      if (kept !== undefined) base.payload = kept;
    }
    if (existing?.cancelRequestedAt !== undefined) {
      // Cancelled while it ran, then redelivered (its runner died): it never runs again.
      return this.#finish({ ...base, status: 'cancelled', finishedAt: isoTime(now), logs: [...base.logs, { time: isoTime(now), level: 'warn', message: 'cancelled before this delivery could run it' }] }, 'ack');
    }

    if (delivery.poison !== undefined) {
      return this.#reject(base, now, { kind: 'system', name: 'MalformedMessage', message: delivery.poison });
    }
    let input: unknown;
    try {
      input = validateInput(process.definition.input, inputOf(delivery.payload, process.definition.input !== undefined));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.#reject(base, now, { kind: 'validation', name: error.name, message: error.message, issues: error.issues });
    }

    if (this.#opts.trackRunning) {
      const saved = await store.save(base);
      if (!saved.saved) return { decision: decisionFor(saved.current), record: saved.current, ran: false };
    }
    const { outcome, cancelRequested } = await this.#executeCancellable(
      process,
      { taskId: delivery.taskId, process: process.name, attempt, trigger: delivery.trigger, payload: delivery.payload, input },
      this.#executeOptions(process, delivery.deadlineMs),
    );
    switch (outcome.status) {
      case 'succeeded':
        return this.#finish(finalRecord(base, outcome, attempt), 'ack', outcome.events);
      case 'cancelled':
        return this.#finish(finalRecord(base, outcome, attempt), 'ack');
      case 'failed':
      case 'timed_out': {
        const last = !outcome.retriable || attempt >= delivery.maxAttempts;
        if (!last && cancelRequested) {
          // The cancel came as the attempt was failing: no retry.
          const cancelled = finalRecord(base, outcome, attempt);
          cancelled.status = 'cancelled';
          cancelled.logs = [...cancelled.logs, { time: cancelled.finishedAt!, level: 'warn', message: `attempt ${attempt} failed as the task was cancelled; it is not retried` }];
          return this.#finish(cancelled, 'ack');
        }
        // The attempt is final: its events are published with the record. A retried one publishes nothing.
        if (last) return this.#finish(finalRecord(base, outcome, attempt), 'dead-letter', outcome.events);
        // Not final: back to `queued`, keeping this attempt's error and logs for inspection.
        const retry = finalRecord(base, outcome, attempt);
        retry.status = 'queued';
        const delay = backoffDelaySeconds(process.backoff ?? DEFAULT_BACKOFF, attempt, this.#opts.random, outcome.status === 'failed' ? outcome.retryAfterSeconds : undefined);
        const why = delay.source === 'retry-after' ? 'as its RetryAfterError asked' : 'backoff';
        const clamped = delay.clampedFrom !== undefined ? ` (${delay.clampedFrom} s asked; SQS allows at most 12 h)` : '';
        retry.logs = [
          ...retry.logs,
          { time: retry.finishedAt!, level: 'warn', message: `attempt ${attempt} of ${delivery.maxAttempts} failed; the task will be retried in ${delay.seconds} s (${why})${clamped}` },
        ];
        return this.#finish(retry, 'retry', [], delay.seconds);
      }
      default:
        return assertNever(outcome, 'execution outcome');
    }
  }

  /** Fails a delivery for good without running it (poison message, invalid input). */
  #reject(base: TaskRecord, now: number, error: TaskError): Promise<DeliveryResult> {
    const failed: TaskRecord = {
      ...base,
      status: 'failed',
      finishedAt: isoTime(now),
      error,
      logs: [{ time: isoTime(now), level: 'error', message: `rejected: ${error.message}` }],
    };
    delete failed.result;
    return this.#finish(failed, 'dead-letter');
  }

  #executeOptions(process: RunnableProcess, deadlineMs: number | undefined): TaskExecutionOptions {
    const { logLimits } = this.#opts;
    return { timeoutMs: this.#timeoutMs(process, deadlineMs), ...(logLimits ? { logLimits } : {}) };
  }

  /**
   * Runs the task with a cancel switch registered under its id (and, with
   * `cancelPollMs`, a reader of its record that pulls the switch when a
   * cancel was recorded).
   */
  async #executeCancellable(
    process: RunnableProcess,
    invocation: Parameters<TaskExecutor['execute']>[1],
    options: TaskExecutionOptions,
  ): Promise<{ outcome: ExecutionOutcome; cancelRequested: boolean }> {
    const { clock, store, cancelPollMs } = this.#opts;
    const controller = new AbortController();
    // A duplicate delivery running the same task at once: both are cancelled (the latest registration is the one reached directly).
    this.#running.set(invocation.taskId, controller);
    let poll: ReturnType<Clock['setTimeout']> | undefined;
    let stopped = false;
    const schedulePoll = () => {
      if (cancelPollMs === undefined || stopped) return;
      poll = clock.setTimeout(() => {
        void store.get(invocation.taskId).then(
          (record) => {
            if (record && (record.cancelRequestedAt !== undefined || record.status === 'cancelled')) controller.abort();
            else schedulePoll();
          },
          () => schedulePoll(), // a failed read: try again next period
        );
      }, cancelPollMs);
    };
    schedulePoll();
    try {
      const outcome = await this.#opts.executor.execute(process, invocation, { ...options, cancelSignal: controller.signal });
      return { outcome, cancelRequested: controller.signal.aborted };
    } finally {
      stopped = true;
      if (poll) clock.clearTimeout(poll);
      if (this.#running.get(invocation.taskId) === controller) this.#running.delete(invocation.taskId);
    }
  }

  async #finish(record: TaskRecord, decision: DeliveryDecision, events: readonly DataEvent[] = [], delaySeconds = 0): Promise<DeliveryResult> {
    const { stored, mine } = await this.#saveFinal(record, events);
    if (mine && isTerminal(stored.status)) await this.#opts.onFinished?.(stored, events);
    if (!mine) {
      // A concurrent duplicate (or a cancel) finished it first: follow the stored truth.
      return { decision: decisionFor(stored), record: stored, ran: true };
    }
    if (stored.status === 'failed' && record.status !== 'failed') return { decision: 'dead-letter', record: stored, ran: true };
    return decision === 'retry' ? { decision, delaySeconds, record: stored, ran: true } : { decision, record: stored, ran: true };
  }

  /**
   * Saves a final (or retry) record. A record too large for the store is
   * replaced by a failure that says so, without the result, rather than
   * being lost (its events are still published: the attempt is over for
   * good). Returns the record as stored, and whether it is this write's.
   */
  async #saveFinal(record: TaskRecord, events: readonly DataEvent[] = []): Promise<{ stored: TaskRecord; mine: boolean }> {
    const { store } = this.#opts;
    try {
      const outcome = await store.save(record, events);
      return outcome.saved ? { stored: record, mine: true } : { stored: outcome.current, mine: false };
    } catch (error) {
      if (!(error instanceof TaskRecordTooLargeError)) throw error;
      const replaced: TaskRecord = {
        ...record,
        status: 'failed',
        error: { kind: 'system', name: 'ResultTooLarge', message: `the task's record is too large to store: ${error.message}` },
        logs: record.logs.slice(-20),
      };
      delete replaced.result;
      const outcome = await store.save(replaced, events);
      return outcome.saved ? { stored: replaced, mine: true } : { stored: outcome.current, mine: false };
    }
  }

  #expiresAt(nowMs: number): number {
    return expiresAtFor(nowMs, this.#opts.retentionSeconds);
  }

  #timeoutMs(process: RunnableProcess, deadlineMs: number | undefined): number {
    if (deadlineMs === undefined) return process.timeoutMs;
    const left = deadlineMs - this.#opts.clock.now() - this.#opts.deadlineMarginMs;
    return Math.max(1, Math.min(process.timeoutMs, left));
  }
}

/** Why a message claiming to be the envelope of `delivery.taskId` is not; undefined when it is. */
function refuseClaim(delivery: Delivery, record: TaskRecord | undefined, process: string): string | undefined {
  const named = `task ${delivery.taskId}`;
  if (!record) return `the message claims to be the envelope of ${named}, which has no record`;
  if (record.process !== process) return `the message claims to be the envelope of ${named} of another process`;
  if (record.payloadHash !== delivery.claim?.payloadHash) return `the message claims to be the envelope of ${named} but does not carry its payload`;
  return undefined;
}

/** What the queue should do with a message whose task is already final: keep the failures' messages, drop the others. */
function decisionFor(record: TaskRecord): 'ack' | 'dead-letter' {
  return record.status === 'succeeded' || record.status === 'cancelled' ? 'ack' : 'dead-letter';
}

function finalRecord(base: TaskRecord, outcome: ExecutionOutcome, attempt: number): TaskRecord {
  // Built field by field (no spread-then-delete): `delete` turns V8 objects
  // into slow dictionaries, and this runs for every task.
  const record: TaskRecord = {
    taskId: base.taskId,
    process: base.process,
    status: outcome.status,
    trigger: base.trigger,
    createdAt: base.createdAt,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    attempts: attempt,
    logs: outcome.logs,
    expiresAt: base.expiresAt,
  };
  if (base.idempotencyKey !== undefined) record.idempotencyKey = base.idempotencyKey;
  if (base.payloadHash !== undefined) record.payloadHash = base.payloadHash;
  if (base.payload !== undefined) record.payload = base.payload;
  if (base.replayOf !== undefined) record.replayOf = base.replayOf;
  if (base.replays !== undefined) record.replays = base.replays;
  if (base.cancelRequestedAt !== undefined) record.cancelRequestedAt = base.cancelRequestedAt;
  switch (outcome.status) {
    case 'succeeded':
      if (outcome.result !== undefined) record.result = outcome.result;
      return record;
    case 'failed':
      record.error = outcome.error;
      if (outcome.result !== undefined) record.result = outcome.result;
      return record;
    case 'timed_out':
    case 'cancelled':
      record.error = outcome.error;
      return record;
    default:
      return assertNever(outcome, 'execution outcome');
  }
}
