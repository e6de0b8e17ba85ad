import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedRuntime } from '../../../lib/embedded/runtime/EmbeddedRuntime.js';
import { silentRuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { REPO, startCli } from './cliProcess.js';

const CONFIG = resolve(REPO, 'test/fixtures/durable/serverless.yml');
const TOKEN = 'durability-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('embedded runtime: durability across kill -9 and SIGTERM', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-durable-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('completes every accepted task after a SIGKILL, none twice-resulted, none lost', async () => {
    const dataDir = tempDir();
    const ranLog = join(dataDir, 'ran.log');
    writeFileSync(ranLog, '');
    const env = { SLUICE_API_TOKEN: TOKEN, DURABLE_LOG: ranLog };
    const args = ['--config', CONFIG, '--data-dir', dataDir];

    const first = await startCli(args, env);
    const accepted: string[] = [];
    const messages: string[] = [];
    // Async submissions and raw queue messages, in flight together (4 run at a time, 120 ms each).
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < 15; i++) {
          const n = worker * 100 + i;
          const res = await fetch(`${first.url}/sluice/tasks`, { method: 'POST', headers: auth, body: JSON.stringify({ process: 'work', payload: { ms: 120, n } }) });
          expect(res.status).toBe(202);
          accepted.push(((await res.json()) as { taskId: string }).taskId);
          const msg = await fetch(`${first.url}/sluice/queues/durable-test-work/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ ms: 120, n: -n }) });
          expect(msg.status).toBe(202);
          messages.push(((await msg.json()) as { messageId: string }).messageId);
        }
      }),
    );
    // Some finished, some running, most queued: kill without warning.
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const ranBeforeKill = readFileSync(ranLog, 'utf8').split('\n').filter(Boolean).length;
    expect(ranBeforeKill).toBeLessThan(accepted.length + messages.length);

    const second = await startCli(args, env);
    try {
      const get = async (taskId: string) => (await (await fetch(`${second.url}/sluice/tasks/${taskId}`, { headers: auth })).json()) as TaskRecord;
      const done = await eventually(
        async () => {
          const all = await Promise.all(accepted.map(get));
          return all.every((t) => t.status === 'succeeded') ? all : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'every accepted async task to succeed' },
      );
      expect(done.map((t) => t.taskId).sort()).toEqual([...accepted].sort());
      // Streaming messages: one succeeded task per message.
      const streamed = await eventually(
        async () => {
          const items: TaskRecord[] = [];
          let cursor: string | undefined;
          do {
            const page = (await (await fetch(`${second.url}/sluice/tasks?process=work&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth })).json()) as { items: TaskRecord[]; nextCursor?: string };
            items.push(...page.items.filter((t) => t.trigger.type === 'queue'));
            cursor = page.nextCursor;
          } while (cursor);
          return items.length === messages.length && items.every((t) => t.status === 'succeeded') ? items : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'every queue message to become a succeeded task' },
      );
      expect(streamed.map((t) => (t.trigger as { messageId: string }).messageId).sort()).toEqual([...messages].sort());
      // At-least-once: a task that was mid-run at the kill may have run twice, but each stored
      // exactly one result, and nothing that had finished ran again.
      const runs = readFileSync(ranLog, 'utf8').split('\n').filter(Boolean);
      const ranTwice = runs.length - new Set(runs).size;
      expect(new Set(runs).size).toBe(accepted.length + messages.length);
      expect(ranTwice).toBeLessThanOrEqual(4 * 2); // at most the slots in flight when killed (tasks + messages)
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000); // 240 tasks of 120 ms, 4 at a time (reservedConcurrency counts tasks), across two starts

  it('drains on SIGTERM: a running sync task finishes and answers; queued work resumes after restart', async () => {
    const dataDir = tempDir();
    const env = { SLUICE_API_TOKEN: TOKEN };
    const args = ['--config', CONFIG, '--data-dir', dataDir];
    const first = await startCli(args, env);
    const sync = fetch(`${first.url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 600, n: 1 }) });
    const queued: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${first.url}/sluice/tasks`, { method: 'POST', headers: auth, body: JSON.stringify({ process: 'work', payload: { ms: 300, n: i } }) });
      queued.push(((await res.json()) as { taskId: string }).taskId);
    }
    first.child.kill('SIGTERM');
    const answer = await sync;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ n: 1, attempt: 1 });
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/SIGTERM: draining/);

    const second = await startCli(args, env);
    try {
      await eventually(
        async () => {
          const all = await Promise.all(queued.map(async (id) => ((await (await fetch(`${second.url}/sluice/tasks/${id}`, { headers: auth })).json()) as TaskRecord).status));
          return all.every((s) => s === 'succeeded');
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'queued tasks to finish after restart' },
      );
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('refuses a second runtime on the same data directory, naming it', async () => {
    const dataDir = tempDir();
    const first = await EmbeddedRuntime.start({ configPath: CONFIG, dataDir, port: 0, apiToken: TOKEN, log: silentRuntimeLog });
    try {
      await expect(EmbeddedRuntime.start({ configPath: CONFIG, dataDir, port: 0, apiToken: TOKEN, log: silentRuntimeLog })).rejects.toThrow(dataDir);
    } finally {
      await first.stop();
    }
  });

  it('stops at start-up on an invalid cron expression, naming the function and the expression', async () => {
    await expect(
      EmbeddedRuntime.start({ configPath: resolve(REPO, 'test/fixtures/badcron/serverless.yml'), dataDir: tempDir(), port: 0, apiToken: TOKEN, log: silentRuntimeLog }),
    ).rejects.toThrow(/function 'nightly'.*cron\(0 2 \* \* \* \*\)/);
  });
});
