import { ValidationError } from '../errors.js';
import { assertPageLimit } from '../pageLimit.js';
import { assertCreatedWindow, createdWithin } from './createdWindow.js';
import { MAX_COUNT_WINDOW_MS, TASK_STATUSES, TRIGGER_TYPES, type TaskCountQuery, type TaskQuery, type TaskSummary } from './TaskRecord.js';

/**
 * Every store's check of a {@link TaskQuery} (the routes check the same with zod first).
 *
 * @throws {ValidationError} naming `limit`, `status`, `trigger`, `since` or `until`
 */
export function assertTaskQuery(query: TaskQuery): void {
  assertPageLimit(query.limit, 'task query');
  const issues: Array<{ path: string; message: string }> = [];
  if (query.status !== undefined && !TASK_STATUSES.includes(query.status)) issues.push({ path: 'status', message: `must be one of ${TASK_STATUSES.join(', ')}` });
  if (query.trigger !== undefined && !TRIGGER_TYPES.includes(query.trigger)) issues.push({ path: 'trigger', message: `must be one of ${TRIGGER_TYPES.join(', ')}` });
  if (issues.length > 0) throw new ValidationError(`invalid task query: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  assertCreatedWindow(query);
}

/** Whether a summary passes a query's filters (process, status, trigger, window): the rule the stores' indexes implement. */
export function matchesTaskQuery(task: Pick<TaskSummary, 'process' | 'status' | 'trigger' | 'createdAt'>, query: Omit<TaskQuery, 'limit' | 'cursor'>): boolean {
  return (
    (query.process === undefined || task.process === query.process) &&
    (query.status === undefined || task.status === query.status) &&
    (query.trigger === undefined || task.trigger.type === query.trigger) &&
    createdWithin(task.createdAt, query)
  );
}

/**
 * Every store's check of a {@link TaskCountQuery}.
 *
 * @throws {ValidationError} naming `since` / `until` (not canonical, `until` before `since`, wider than 7 days)
 */
export function assertTaskCountQuery(query: TaskCountQuery): void {
  assertCreatedWindow(query, 'task count query');
  const width = Date.parse(query.until) - Date.parse(query.since);
  if (width < 0) throw new ValidationError('invalid task count query: until is before since', [{ path: 'until', message: 'must not be before since' }]);
  if (width > MAX_COUNT_WINDOW_MS) throw new ValidationError('invalid task count query: the window is wider than 7 days', [{ path: 'since', message: 'the window (since to until) is at most 7 days' }]);
}
