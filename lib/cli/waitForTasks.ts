import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type LogEntry, type TaskRecord, type TerminalStatus } from '../core/task/TaskRecord.js';
import { ExitCode } from './exitCodes.js';
import { mapConcurrent } from './mapConcurrent.js';
import type { PlatformClient } from './PlatformClient.js';
import { Progress } from './Progress.js';

/** How often a followed task is read again (ms). */
export const POLL_MS = 300;
/** Reads in flight while waiting for many tasks. */
const WAIT_CONCURRENCY = 16;

/** The exit code a task's end deserves: 0 succeeded, 1 failed or cancelled, 2 timed out. */
export function exitCodeOf(status: TerminalStatus): ExitCode {
  switch (status) {
    case 'succeeded':
      return ExitCode.ok;
    case 'failed':
    case 'cancelled':
      return ExitCode.taskFailed;
    case 'timed_out':
      return ExitCode.taskTimedOut;
  }
}

/** The exit code of many tasks: any failure wins, then any timeout. */
export function exitCodeOfAll(statuses: Iterable<TerminalStatus | 'not_submitted'>): ExitCode {
  let code: ExitCode = ExitCode.ok;
  for (const status of statuses) {
    if (status === 'failed' || status === 'cancelled' || status === 'not_submitted') return ExitCode.taskFailed;
    if (status === 'timed_out') code = ExitCode.taskTimedOut;
  }
  return code;
}

/**
 * Reads a task until it ends, calling `onLog` once for every log line that
 * appears (a retried task keeps its earlier lines, so lines are told apart by
 * their content, not their index).
 */
export async function followTask(client: PlatformClient, taskId: string, onLog: (entry: LogEntry) => void, pollMs = POLL_MS): Promise<TaskRecord> {
  const seen = new Set<string>();
  for (;;) {
    const record = await client.task(taskId);
    for (const entry of record.logs ?? []) {
      const key = JSON.stringify([entry.time, entry.level, entry.logic, entry.message]);
      if (seen.has(key)) continue;
      seen.add(key);
      onLog(entry);
    }
    if (isTerminal(record.status)) return record;
    await sleep(pollMs);
  }
}

/**
 * Waits for every task to end, with a progress bar (rate, ETA) on a terminal.
 * Polls in rounds, at most {@link WAIT_CONCURRENCY} reads in flight.
 *
 * @returns the final record of each task, by id
 */
export async function waitForTasks(client: PlatformClient, taskIds: readonly string[], options: { label?: string; progress?: boolean; pollMs?: number } = {}): Promise<Map<string, TaskRecord>> {
  const done = new Map<string, TaskRecord>();
  const bar = new Progress(options.label ?? 'waiting   ', taskIds.length, { enabled: options.progress !== false });
  let failed = 0;
  try {
    let pending = [...new Set(taskIds)];
    while (pending.length > 0) {
      const records = await mapConcurrent(pending, WAIT_CONCURRENCY, (id) => client.task(id));
      const still: string[] = [];
      for (const record of records) {
        if (!isTerminal(record.status)) {
          still.push(record.taskId);
          continue;
        }
        done.set(record.taskId, record);
        if (record.status !== 'succeeded') failed += 1;
        bar.increment(failed > 0 ? `, ${failed} not succeeded` : '');
      }
      pending = still;
      if (pending.length > 0) await sleep(options.pollMs ?? POLL_MS);
    }
  } finally {
    bar.stop();
  }
  return done;
}
