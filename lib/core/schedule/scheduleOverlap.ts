import { assertNever } from '../errors.js';
import { isTerminal, type TaskStatus } from '../task/TaskRecord.js';

/**
 * What a schedule does when it fires while the task of its previous firing
 * is not finished (queued or running):
 * - `skip` (the default, as LOC): the firing is dropped and recorded;
 * - `buffer_one`: the firing waits until the previous task finishes, then
 *   fires (with its own due time); a further firing meanwhile is skipped;
 * - `allow`: the firing fires regardless (EventBridge's own behaviour).
 */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export const DEFAULT_OVERLAP: OverlapPolicy = 'skip';

/** The task of the previous firing of the same rule, as the runtime last knows it. */
export interface PreviousFiring {
  taskId: string;
  /** Undefined when the task is gone (expired from the store): finished long ago. */
  status: TaskStatus | undefined;
}

export type OverlapDecision =
  /** Dispatch this firing now. */
  | { action: 'fire' }
  /** Hold this firing; dispatch it when the previous task finishes. */
  | { action: 'buffer'; reason: string }
  /** Drop this firing; record and log `reason`. */
  | { action: 'skip'; reason: string };

/**
 * Decides one firing under `policy`, from the previous firing's task and
 * whether a firing is already held (buffer_one). Pure: both runtimes call
 * it (embedded: ScheduleRunner; AWS: the schedule handler, from the lease
 * item in the task table).
 */
export function decideOverlap(policy: OverlapPolicy, previous: PreviousFiring | undefined, alreadyBufferedDueMs?: number): OverlapDecision {
  if (policy === 'allow' || previous === undefined || previous.status === undefined || isTerminal(previous.status)) return { action: 'fire' };
  const busy = `the previous task ${previous.taskId} is still ${previous.status}`;
  switch (policy) {
    case 'skip':
      return { action: 'skip', reason: busy };
    case 'buffer_one':
      return alreadyBufferedDueMs === undefined
        ? { action: 'buffer', reason: busy }
        : { action: 'skip', reason: `${busy} and the firing due ${new Date(alreadyBufferedDueMs).toISOString()} is already waiting` };
    default:
      return assertNever(policy, 'overlap policy');
  }
}
