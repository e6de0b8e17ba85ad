import { AsyncDisabledError, UnknownProcessError, ValidationError } from '../errors.js';
import type { Clock } from '../ports/Clock.js';
import type { TaskDispatcher } from '../ports/TaskDispatcher.js';
import type { TaskStore } from '../ports/TaskStore.js';
import { validateInput } from '../process/validateInput.js';
import type { SubmittableProcess } from '../runner/submitTask.js';
import type { Payload } from '../task/Payload.js';
import { isTerminal, type TaskRecord } from '../task/TaskRecord.js';
import { keptPayload } from '../task/keptPayload.js';
import { newTaskRecord } from '../task/newTaskRecord.js';
import { dispatchedPayloadHash } from '../task/taskEnvelopeCodec.js';
import { derivedTaskId, newTaskId } from '../task/taskIds.js';
import { isoTime } from '../time/isoTime.js';

export interface TaskControlOptions {
  store: TaskStore;
  dispatcher: TaskDispatcher;
  clock: Clock;
  retentionSeconds: number;
  processes: readonly SubmittableProcess[];
  /**
   * Tells the runner executing task `taskId` in this process, if any, to end
   * it now (embedded: `TaskRunner.requestCancel`, which reaches the worker
   * thread). Absent on AWS: the running Lambda reads its record every few
   * seconds instead (`TaskRunnerOptions.cancelPollMs`).
   */
  signalCancel?: (taskId: string) => void;
}

/**
 * What `POST /sluice/tasks/{id}/cancel` did:
 * - `cancelled`: the task was queued; it is `cancelled` now and never runs (its message is dropped when delivered).
 * - `cancelling`: the task is running; the request is on its record (`cancelRequestedAt`) and the runner was told where it can be; it ends `cancelled`.
 * - `finished`: it had already ended (409).
 * - `not-found` (404).
 */
export type CancelOutcome =
  | { outcome: 'cancelled'; record: TaskRecord }
  | { outcome: 'cancelling'; record: TaskRecord }
  | { outcome: 'finished'; record: TaskRecord }
  | { outcome: 'not-found' };

export interface ReplayRequest {
  /** Replaces the original payload: the replay runs as `POST /sluice/tasks` would run with this payload. */
  payload?: unknown;
  /**
   * Makes the replay idempotent: its task id derives from this key and the
   * original's id, so a repeated (or resumed) request dispatches nothing twice.
   */
  idempotencyKey?: string;
}

/**
 * What a replay did: `replayed` (`created` false when the same key had
 * already dispatched it); `unfinished` (the task has not ended: 409);
 * `no-payload` (its payload was not kept, see `TaskRecord.payload`, and none was given: 409); `not-found` (404).
 */
export type ReplayOutcome =
  | { outcome: 'replayed'; record: TaskRecord; created: boolean }
  | { outcome: 'unfinished'; record: TaskRecord }
  | { outcome: 'no-payload'; record: TaskRecord }
  | { outcome: 'not-found' };

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The id of the replay of `originalId` made under `idempotencyKey` (the same on every retry of the request). */
export const replayTaskId = (idempotencyKey: string, originalId: string) => derivedTaskId(0, 'replay', idempotencyKey, originalId);

/**
 * Cancel and replay of tasks, the core of `/sluice/tasks/{id}/cancel`,
 * `/sluice/tasks/{id}/replay`, `/sluice/tasks/replay` (with
 * {@link bulkReplay}) and the replay of a dead letter. Runtime-neutral: each
 * runtime gives its store, dispatcher and, where it can, a way to reach a
 * running task.
 */
export class TaskControl {
  readonly #byName: ReadonlyMap<string, SubmittableProcess>;

  constructor(readonly options: TaskControlOptions) {
    this.#byName = new Map(options.processes.map((p) => [p.name, p]));
  }

  /** See {@link CancelOutcome}. A cancel that loses a race with the task's end reports `finished`. */
  async cancel(taskId: string): Promise<CancelOutcome> {
    const { store, clock, signalCancel } = this.options;
    const record = await store.get(taskId);
    if (!record) return { outcome: 'not-found' };
    if (isTerminal(record.status)) return { outcome: 'finished', record };
    const now = isoTime(clock.now());
    if (record.status === 'queued') {
      const cancelled: TaskRecord = { ...record, status: 'cancelled', finishedAt: now, logs: [...record.logs, { time: now, level: 'warn', message: 'cancelled while queued' }] };
      const saved = await store.save(cancelled);
      if (!saved.saved) return { outcome: 'finished', record: saved.current };
      // A delivery may have started it since it was read (on AWS a running task shows `queued`): it stops too.
      signalCancel?.(taskId);
      return { outcome: 'cancelled', record: cancelled };
    }
    const requested: TaskRecord = { ...record, cancelRequestedAt: record.cancelRequestedAt ?? now };
    const saved = await store.save(requested);
    if (!saved.saved) return { outcome: 'finished', record: saved.current };
    signalCancel?.(taskId);
    return { outcome: 'cancelling', record: requested };
  }

  /**
   * Dispatches a new task that runs the original's process again with its
   * kept payload (or `request.payload`), linked both ways (`replayOf` on the
   * new record, `replays` on the original, whose history is untouched).
   * The new record is queued before the link is written: an interruption
   * between the two leaves a replay without its link, which a repeat of an
   * idempotent request writes.
   *
   * @throws {ValidationError} an override payload the process refuses, or an invalid key
   * @throws {AsyncDisabledError} the process has no task queue
   * @throws {UnknownProcessError} the process is no longer declared
   */
  async replay(originalId: string, request: ReplayRequest = {}): Promise<ReplayOutcome> {
    const { store, dispatcher, clock, retentionSeconds } = this.options;
    const { idempotencyKey } = request;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationError('Idempotency-Key must be 1-255 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'invalid' }]);
    }
    const original = await store.get(originalId);
    if (!original) return { outcome: 'not-found' };
    if (!isTerminal(original.status)) return { outcome: 'unfinished', record: original };
    const process = this.#byName.get(original.process);
    if (!process) throw new UnknownProcessError(original.process);
    if (!process.taskQueue) throw new AsyncDisabledError(process.name);

    let payload: Payload;
    let trigger: TaskRecord['trigger'];
    if (request.payload !== undefined) {
      if (process.definition) validateInput(process.definition.input, request.payload);
      else process.validatePayload?.(request.payload);
      payload = { type: 'api', body: request.payload };
      trigger = { type: 'api' };
    } else {
      if (!original.payload) return { outcome: 'no-payload', record: original };
      payload = original.payload;
      trigger = original.trigger;
    }

    const taskId = idempotencyKey !== undefined ? replayTaskId(idempotencyKey, originalId) : newTaskId();
    const record: TaskRecord = {
      ...newTaskRecord({ taskId, process: process.name, status: 'queued', trigger, nowMs: clock.now(), retentionSeconds }),
      payloadHash: dispatchedPayloadHash(payload),
      replayOf: originalId,
    };
    const kept = keptPayload(payload);
    if (kept) record.payload = kept;
    const envelope = { taskId, process: process.name, trigger, createdAt: record.createdAt, payload };
    const dispatched = await dispatcher.dispatch(record, envelope, { queue: process.taskQueue });
    await store.linkReplay(originalId, taskId);
    return dispatched.created ? { outcome: 'replayed', record, created: true } : { outcome: 'replayed', record: dispatched.existing, created: false };
  }
}
