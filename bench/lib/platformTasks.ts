import type { BenchContext } from './BenchModule.js';
import type { HttpClient } from './HttpClient.js';
import { formatNumber } from './stats.js';

/** How often the end-to-end benchmarks read the queues (ms). */
export const POLL_MS = 100;
/** Keep-alive connections submitting tasks at once. */
export const SUBMIT_CONCURRENCY = 48;

/** A queue as `GET /sluice/queues` lists it. */
export interface QueueInfo {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

/**
 * POSTs `count` requests (`request(n)` for n in [from, from + count)) over
 * {@link SUBMIT_CONCURRENCY} connections; each must be answered 202.
 * @returns how many were not, and the first such answer
 */
export async function submitAll(client: HttpClient, request: (n: number) => { path: string; body: string }, from: number, count: number): Promise<{ rejected: number; firstRejection?: string }> {
  let next = from;
  const end = from + count;
  let rejected = 0;
  let firstRejection: string | undefined;
  const worker = async () => {
    while (next < end) {
      const { path, body } = request(next++);
      const answer = await client.send('POST', path, body, { 'content-type': 'application/json' });
      if (answer.status !== 202) {
        rejected++;
        firstRejection ??= `${answer.status} ${answer.body.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, worker));
  return { rejected, ...(firstRejection ? { firstRejection } : {}) };
}

/**
 * Waits until every one of `queues` is empty in one reading. A message is
 * deleted only once its task's final record is stored (and, for a task
 * that publishes events, its subscribers' tasks and messages in the same
 * transaction): empty queues mean every task submitted so far is finished.
 *
 * @throws {Error} past `timeoutMs`, saying how many messages are left
 */
export async function waitForEmptyQueues(ctx: BenchContext, client: HttpClient, queues: readonly string[], label: string, timeoutMs: number): Promise<void> {
  const since = performance.now();
  let lastReport = since;
  for (;;) {
    const { items } = await client.json<{ items: QueueInfo[] }>('GET', '/sluice/queues');
    const left = queues.map((name) => items.find((i) => i.name === name)!).reduce((sum, q) => sum + q.visible + q.inFlight + q.delayed, 0);
    const now = performance.now();
    if (left === 0) return;
    if (now - since > timeoutMs) throw new Error(`${label}: ${left} message(s) still queued after ${((now - since) / 1000).toFixed(0)} s`);
    if (now - lastReport > 2_000) {
      ctx.log(`    ${label}: ${formatNumber(left)} message(s) left`);
      lastReport = now;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Counts a process's tasks in a status by paging the platform API (100 a page). */
export async function countTasks(client: HttpClient, process: string, status: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ process, status, limit: '100', ...(cursor ? { cursor } : {}) });
    const page = await client.json<{ items: unknown[]; nextCursor?: string }>('GET', `/sluice/tasks?${query}`);
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}
