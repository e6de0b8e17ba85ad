import type { TaskRecord } from './TaskRecord.js';

/**
 * The one structured log line of a task that ended without success
 * (`failed`, `timed_out`, `cancelled`): what an operator searches and a
 * metric filter counts. Names, never the payload, the result or log data,
 * which may hold what must not reach a log.
 *
 * @returns `undefined` for a task that succeeded
 */
export function failedTaskLogLine(record: TaskRecord): Record<string, unknown> | undefined {
  if (record.status === 'succeeded' || record.status === 'queued' || record.status === 'running') return undefined;
  return {
    level: 'ERROR',
    message: `task ${record.status}`,
    taskId: record.taskId,
    process: record.process,
    status: record.status,
    attempts: record.attempts,
    trigger: record.trigger.type,
    ...(record.error ? { error: { kind: record.error.kind, name: record.error.name, message: record.error.message, ...(record.error.logic ? { logic: record.error.logic } : {}) } } : {}),
  };
}
