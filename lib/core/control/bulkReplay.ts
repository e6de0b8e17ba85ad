import { sluiceErrorKind } from '../errors.js';
import type { TaskStore } from '../ports/TaskStore.js';
import { isTerminal, type TaskStatus, type TaskSummary } from '../task/TaskRecord.js';
import { replayTaskId, type TaskControl } from './TaskControl.js';
import type { CreatedWindow } from '../task/createdWindow.js';

/**
 * Which tasks a bulk replay takes: all given fields must match; the window
 * is the task lists' ({@link CreatedWindow}: `since` ≤ createdAt < `until`,
 * ISO-8601 UTC with milliseconds), applied by the store.
 */
export interface BulkReplayFilter extends CreatedWindow {
  process?: string;
  status?: TaskStatus;
}

export interface BulkReplayOptions {
  /** Count what would be replayed; dispatch nothing. */
  dryRun: boolean;
  /**
   * Each replay's id derives from this key and its original's id
   * ({@link replayTaskId}): repeating the request (after a crash, a timeout)
   * finishes the job and replays nothing twice. Without it, a repeat replays
   * everything again.
   */
  idempotencyKey?: string;
  /** Most tasks taken by one request (1..10 000); more left: `truncated` and a `nextCursor` to continue from. @default 1000 */
  maxTasks?: number;
  /** Called after each task with the counts so far (the progress of a long job). */
  onProgress?: (progress: BulkReplayReport) => void;
  /**
   * Where a previous request of the same job stopped (its report's
   * `nextCursor`): the walk continues there. Give the same filter and key.
   */
  cursor?: string;
}

/**
 * The job's report (the response of `POST /sluice/tasks/replay`):
 * - `matched`: finished tasks that pass the filter (this request's share, at most `maxTasks`);
 * - `replayed`: replays dispatched by this request (0 on a dry run);
 * - `alreadyReplayed`: replays the same key had dispatched before (a resumed job);
 * - `noPayload`: matched, but no payload was kept to replay them with (a dry run reads each match's record to count them too);
 * - `skipped`: matching tasks not finished yet, of a process without a task queue, and this job's own replays;
 * - `truncated`: the job stopped at `maxTasks` with tasks left to look at;
 * - `nextCursor` (with `truncated`): send the same request with it as `cursor`
 *   to go on where this one stopped. A long job is a series of bounded
 *   requests — each well within a Lambda's and API Gateway's time limits —
 *   whose reports are its progress.
 */
export interface BulkReplayReport {
  dryRun: boolean;
  matched: number;
  replayed: number;
  alreadyReplayed: number;
  noPayload: number;
  skipped: number;
  truncated: boolean;
  nextCursor?: string;
}

export const MAX_BULK_REPLAY_TASKS = 10_000;

/**
 * Replays every finished task that matches `filter`, one at a time, newest
 * first (the store's list order): each is a {@link TaskControl.replay}, so
 * its new record and message are dispatched together (embedded: one
 * transaction) before the next one starts. Killed in the middle, the job has
 * dispatched a prefix of the list; the same request with the same key walks
 * the list again, finds those replays already there (`alreadyReplayed`) and
 * dispatches the rest. The job's own replays, newer than its originals and
 * possibly matching the filter, are recognised by their derived id and left
 * alone.
 */
export async function bulkReplay(store: TaskStore, control: TaskControl, filter: BulkReplayFilter, options: BulkReplayOptions): Promise<BulkReplayReport> {
  const maxTasks = options.maxTasks ?? 1000;
  const report: BulkReplayReport = { dryRun: options.dryRun, matched: 0, replayed: 0, alreadyReplayed: 0, noPayload: 0, skipped: 0, truncated: false };
  const { idempotencyKey } = options;
  let cursor = options.cursor;
  do {
    const room = maxTasks - report.matched;
    if (room <= 0) return { ...report, truncated: true, ...(cursor !== undefined ? { nextCursor: cursor } : {}) };
    // A page never holds more matches than there is room for: the job stops at a page boundary, where the store's cursor resumes it.
    const page = await store.list({ limit: Math.min(100, room), ...definedOnly(filter), ...(cursor ? { cursor } : {}) });
    for (const task of page.items) {
      if (isOwnReplay(task, idempotencyKey) || !isTerminal(task.status)) {
        report.skipped++;
        continue;
      }
      report.matched++;
      if (options.dryRun) {
        // The summary holds no payload: read the record, so that a preview counts what the run would find without one (one read per match).
        if (!(await store.get(task.taskId))?.payload) report.noPayload++;
      } else {
        let outcome: Awaited<ReturnType<TaskControl['replay']>> | undefined;
        try {
          outcome = await control.replay(task.taskId, idempotencyKey !== undefined ? { idempotencyKey } : {});
        } catch (error) {
          // A process without a task queue, or no longer declared: that task cannot be replayed; the others can.
          const kind = sluiceErrorKind(error);
          if (kind !== 'AsyncDisabledError' && kind !== 'UnknownProcessError') throw error;
        }
        if (outcome?.outcome === 'replayed') report[outcome.created ? 'replayed' : 'alreadyReplayed']++;
        else if (outcome?.outcome === 'no-payload') report.noPayload++;
        else report.skipped++;
      }
      options.onProgress?.({ ...report });
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return report;
}

function isOwnReplay(task: TaskSummary, idempotencyKey: string | undefined): boolean {
  return idempotencyKey !== undefined && task.replayOf !== undefined && task.taskId === replayTaskId(idempotencyKey, task.replayOf);
}

/** The filter's given fields only (the store's query takes no `undefined` values). */
function definedOnly(filter: BulkReplayFilter): BulkReplayFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== '')) as BulkReplayFilter;
}
