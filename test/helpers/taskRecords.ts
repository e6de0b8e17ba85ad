import type { TaskRecord } from '../../lib/core/task/TaskRecord.js';

/**
 * A factory of queued task records created at `startMs` (default: now when
 * called), expiring an hour later, with ids `<prefix>-0`, `<prefix>-1`...
 */
export function taskRecordFactory(options: { startMs?: number; prefix?: string } = {}): (overrides?: Partial<TaskRecord>) => TaskRecord {
  let seq = 0;
  return (overrides = {}) => {
    const start = options.startMs ?? Date.now();
    return {
      taskId: `${options.prefix ?? 'task'}-${seq++}`,
      process: 'p',
      status: 'queued',
      trigger: { type: 'api' },
      createdAt: new Date(start).toISOString(),
      attempts: 0,
      logs: [],
      expiresAt: Math.floor(start / 1000) + 3600,
      ...overrides,
    };
  };
}
