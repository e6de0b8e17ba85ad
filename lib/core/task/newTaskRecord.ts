import { isoTime } from '../time/isoTime.js';
import type { TaskRecord, TaskStatus, TriggerInfo } from './TaskRecord.js';

/**
 * When a record written at `nowMs` (epoch ms) expires: epoch **seconds**, the
 * unit of DynamoDB's TTL attribute, `retentionSeconds` later.
 */
export function expiresAtFor(nowMs: number, retentionSeconds: number): number {
  return Math.floor(nowMs / 1000) + retentionSeconds;
}

/** What a new task's first record needs; the rest has one right value. */
export interface NewTaskRecord {
  taskId: string;
  process: string;
  trigger: TriggerInfo;
  /** `queued` (dispatched: no attempt yet) or `running` (a sync task, started now: attempt 1). */
  status: Extract<TaskStatus, 'queued' | 'running'>;
  /** Epoch ms: `createdAt` (and `startedAt` of a running task). */
  nowMs: number;
  retentionSeconds: number;
}

/**
 * The first record of a task, built in one place for every way a task begins
 * (async submission, schedule firing, sync run): no logs yet, `attempts` 0 when
 * queued and 1 when running, expiring `retentionSeconds` after `nowMs`.
 */
export function newTaskRecord(spec: NewTaskRecord): TaskRecord {
  const createdAt = isoTime(spec.nowMs);
  const record: TaskRecord = {
    taskId: spec.taskId,
    process: spec.process,
    status: spec.status,
    trigger: spec.trigger,
    createdAt,
    attempts: spec.status === 'running' ? 1 : 0,
    logs: [],
    expiresAt: expiresAtFor(spec.nowMs, spec.retentionSeconds),
  };
  if (spec.status === 'running') record.startedAt = createdAt;
  return record;
}
