import type { Payload } from './Payload.js';

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
  /** Cancelled (`POST /sluice/tasks/{id}/cancel`): before it ran, or while running. Terminal. */
  cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const TASK_STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);

/** Terminal states never change again: a result, once stored, is final. */
export type TerminalStatus = 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** The terminal statuses, for stores that must spell them out (SQL, DynamoDB conditions). */
export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

export function isTerminal(status: TaskStatus): status is TerminalStatus {
  return status === 'succeeded' || status === 'failed' || status === 'timed_out' || status === 'cancelled';
}

/** Replays listed on an original record (`replays`); later ones still link back with `replayOf`. */
export const MAX_LISTED_REPLAYS = 20;

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

/** Every {@link TriggerType}, for validation and filters (`GET /sluice/tasks?trigger=`). */
export const TRIGGER_TYPES: readonly TriggerType[] = ['http', 'api', 'queue', 'schedule', 'event'];

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
  /**
   * What the task ran with, kept for replay (`POST /sluice/tasks/{id}/replay`)
   * when its JSON is at most {@link MAX_KEPT_PAYLOAD_BYTES}; never for a
   * synchronous HTTP task (its headers may hold credentials). Stored with
   * the result and logs, not in lists.
   */
  payload?: Payload;
  /** This task is a replay of that one. */
  replayOf?: string;
  /** The first {@link MAX_LISTED_REPLAYS} replays of this task, oldest first. */
  replays?: string[];
  /** ISO time a cancel was asked for while the task ran (it ends `cancelled` once the runner notices). */
  cancelRequestedAt?: string;
}

/**
 * `record` with `replayId` added to its `replays`, or `undefined` when there
 * is nothing to change (already listed, or the list is full): the one rule
 * of `TaskStore.linkReplay`, shared by every store.
 */
export function withReplay<R extends Pick<TaskRecord, 'replays'>>(record: R, replayId: string): R | undefined {
  const replays = record.replays ?? [];
  if (replays.includes(replayId) || replays.length >= MAX_LISTED_REPLAYS) return undefined;
  return { ...record, replays: [...replays, replayId] };
}

/** The largest payload (UTF-8 bytes of its JSON) a record keeps for replay. */
export const MAX_KEPT_PAYLOAD_BYTES = 32 * 1024;

/** A task as listed: everything but the (possibly large) result and logs. */
export type TaskSummary = Omit<TaskRecord, 'result' | 'logs' | 'payload'>;

export function toSummary(record: TaskRecord): TaskSummary {
  const { result: _result, logs: _logs, payload: _payload, ...summary } = record;
  return summary;
}

/**
 * A task list's filters (all given ones must match) and page. `since` /
 * `until`: the creation window, `since` ≤ `createdAt` < `until`, ISO-8601
 * UTC with milliseconds (see `createdWindow.ts`).
 */
export interface TaskQuery {
  process?: string;
  status?: TaskStatus;
  /** The type of the task's `trigger`. */
  trigger?: TriggerType;
  since?: string;
  until?: string;
  /** 1..100 */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface TaskPage {
  items: TaskSummary[];
  nextCursor?: string;
}

/** How many tasks are in each status, every status present (0 included). */
export type StatusCounts = Record<TaskStatus, number>;

/** Zero tasks in every status. */
export function emptyStatusCounts(): StatusCounts {
  return { queued: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, cancelled: 0 };
}

/**
 * What `TaskStore.countByStatus` counts: the tasks created in
 * `since` ≤ `createdAt` < `until` (ISO-8601 UTC with milliseconds, at most
 * {@link MAX_COUNT_WINDOW_MS} apart), of one process or of all.
 */
export interface TaskCountQuery {
  since: string;
  until: string;
  process?: string;
}

/** One process's counts: its tasks created in the window, by their status now. */
export interface ProcessTaskCounts {
  process: string;
  counts: StatusCounts;
}

/** The widest window a count reads: 7 days (DynamoDB reads every index entry in it). */
export const MAX_COUNT_WINDOW_MS = 7 * 86_400_000;
