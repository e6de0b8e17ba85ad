/**
 * The persisted shape of a task: what `GET /sluice/tasks/{taskId}` returns and
 * what every {@link TaskStore} implementation stores.
 */

/** Lifecycle states of a task. `queued` also covers "waiting for a retry". */
export const TaskStatus = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  timedOut: 'timed_out',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const TASK_STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);

/** Terminal states never change again: a result, once stored, is final. */
export type TerminalStatus = 'succeeded' | 'failed' | 'timed_out';

export function isTerminal(status: TaskStatus): status is TerminalStatus {
  return status === 'succeeded' || status === 'failed' || status === 'timed_out';
}

/** What started a task. Stored with the task, without the payload itself. */
export type TriggerInfo =
  | { type: 'http'; method: string; path: string; route: string }
  | { type: 'api' }
  | { type: 'queue'; queue: string; messageId: string }
  /**
   * `catchUp`: the embedded runtime ran this firing late, at start-up,
   * because it fell due while the runtime was down (`custom.sluice.scheduleCatchUp`).
   */
  | { type: 'schedule'; rule: string; scheduledTime: string; catchUp?: true }
  /**
   * A published data event matched a subscription (`subscription`: its id).
   * `depth`: the task's place in an event chain (1 for a subscriber of a task
   * that no event started), bounded by `custom.sluice.events.maxChainDepth`.
   */
  | { type: 'event'; eventId: string; label: string; subscription: string; depth: number };

export type TriggerType = TriggerInfo['type'];

/**
 * Why a task did not succeed.
 * - `logic`: a logic's `run` threw (the railway switched to `handleError`).
 * - `system`: a `handleError` threw, or the platform failed around the logic.
 * - `timeout`: the process timeout elapsed.
 * - `validation`: the input did not match the process's schema.
 */
export type TaskErrorKind = 'logic' | 'system' | 'timeout' | 'validation';

export interface TaskError {
  kind: TaskErrorKind;
  name: string;
  message: string;
  /** The logic whose `run` failed (or whose `handleError` threw). */
  logic?: string;
  /** Field errors of a validation failure. */
  issues?: ReadonlyArray<{ path: string; message: string }>;
  stack?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  time: string;
  level: LogLevel;
  /** The logic that wrote the line; absent for platform lines. */
  logic?: string;
  message: string;
  data?: unknown;
}

export interface TaskRecord {
  taskId: string;
  process: string;
  status: TaskStatus;
  trigger: TriggerInfo;
  /** ISO-8601 UTC timestamps with milliseconds (they sort as strings). */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Delivery attempts so far (0 while a queued task has not started). */
  attempts: number;
  result?: unknown;
  error?: TaskError;
  logs: LogEntry[];
  idempotencyKey?: string;
  /** SHA-256 of the canonical payload, to detect idempotency-key reuse. */
  payloadHash?: string;
  /** Epoch seconds after which the record is gone (retention). */
  expiresAt: number;
}

/** A task as listed: everything but the (possibly large) result and logs. */
export type TaskSummary = Omit<TaskRecord, 'result' | 'logs'>;

export function toSummary(record: TaskRecord): TaskSummary {
  const { result: _result, logs: _logs, ...summary } = record;
  return summary;
}

export interface TaskQuery {
  process?: string;
  status?: TaskStatus;
  /** 1..100 */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface TaskPage {
  items: TaskSummary[];
  nextCursor?: string;
}
