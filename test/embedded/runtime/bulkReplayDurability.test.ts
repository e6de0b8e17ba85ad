/**
 * A bulk replay killed with SIGKILL in the middle loses and duplicates
 * nothing: the same request with the same Idempotency-Key, sent to the
 * restarted runtime, replays exactly the tasks the first run had not, and
 * every original ends with exactly one replay (ids derived from key and
 * original, so a resumed job finds its own work).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayTaskId } from '../../../lib/core/control/TaskControl.js';
import type { TaskRecord, TaskSummary } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { REPO, startCli, type CliRuntime } from './cliProcess.js';

const CONFIG = resolve(REPO, 'test/fixtures/control/serverless.yml');
const TOKEN = 'bulk-replay-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const TASKS = 400;
const KEY = 'bulk-after-outage';

describe('embedded runtime: bulk replay across kill -9', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (rt: CliRuntime, path: string) => {
    const res = await fetch(`${rt.url}${path}`, { headers: auth });
    return (await res.json()) as any;
  };
  const listAll = async (rt: CliRuntime): Promise<TaskSummary[]> => {
    const all: TaskSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(rt, `/sluice/tasks?process=echo&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  };

  it('resumes with the same key: every failed task replayed exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bulk-'));
    dirs.push(dataDir);
    const args = ['--config', CONFIG, '--data-dir', dataDir];
    const env = { SLUICE_API_TOKEN: TOKEN };

    const first = await startCli(args, env);
    const originals: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < TASKS / 8; i++) {
          const res = await fetch(`${first.url}/sluice/tasks`, { method: 'POST', headers: auth, body: JSON.stringify({ process: 'echo', payload: { n: worker * 1000 + i, fail: true } }) });
          expect(res.status).toBe(202);
          originals.push(((await res.json()) as { taskId: string }).taskId);
        }
      }),
    );
    await eventually(async () => (await listAll(first)).filter((t) => t.status === 'failed').length === TASKS, { timeoutMs: 60_000, what: 'every task to fail' });
    const until = new Date(Date.now() + 1).toISOString();
    const request = { method: 'POST', headers: { ...auth, 'idempotency-key': KEY }, body: JSON.stringify({ filter: { process: 'echo', status: 'failed', until } }) };

    // Newest first: the newest original is replayed first. Kill as soon as the job has started.
    const newest = (await listAll(first))[0]!.taskId;
    const job = fetch(`${first.url}/sluice/tasks/replay`, request).catch(() => undefined);
    await eventually(async () => ((await get(first, `/sluice/tasks/${newest}`)) as TaskRecord).replays?.length === 1, { intervalMs: 5, what: 'the job to start' });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await job;

    const second = await startCli(args, env);
    try {
      const before = (await listAll(second)).filter((t) => t.replayOf !== undefined).length;
      // Proof that the kill fell in the middle: some replays were dispatched, not all.
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(TASKS);

      const res = await fetch(`${second.url}/sluice/tasks/replay`, request);
      expect(res.status).toBe(200);
      const report = (await res.json()) as { matched: number; replayed: number; alreadyReplayed: number };
      expect(report.matched).toBe(TASKS);
      expect(report.alreadyReplayed).toBe(before);
      expect(report.replayed).toBe(TASKS - before);

      const all = await listAll(second);
      const replays = all.filter((t) => t.replayOf !== undefined);
      expect(replays).toHaveLength(TASKS);
      expect(new Set(replays.map((t) => t.replayOf))).toEqual(new Set(originals));
      for (const replay of replays) expect(replay.taskId).toBe(replayTaskId(KEY, replay.replayOf!));
      // Each original lists exactly its one replay (links written by the first run or healed by the second).
      for (const id of originals.slice(0, 50)) {
        const original = (await get(second, `/sluice/tasks/${id}`)) as TaskRecord;
        expect(original.replays).toEqual([replayTaskId(KEY, id)]);
      }
      // And a third time changes nothing.
      const third = (await (await fetch(`${second.url}/sluice/tasks/replay`, request)).json()) as { replayed: number; alreadyReplayed: number };
      expect(third).toMatchObject({ replayed: 0, alreadyReplayed: TASKS });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 180_000);
});
