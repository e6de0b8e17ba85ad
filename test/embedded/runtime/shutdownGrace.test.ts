/**
 * `stop()` (what SIGTERM runs) past its grace: a task still running when the
 * grace ends has its message released at once, so the next start delivers it
 * again (README, "Embedded durability"). The grace is shortened here; by
 * default it is the longest function timeout + 1 s, at most 30 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { EmbeddedRuntime } from '../../../lib/embedded/runtime/EmbeddedRuntime.js';
import type { RuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { openEmbeddedStorage } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import { eventually } from '../../helpers/time.js';
import { REPO } from './cliProcess.js';

const CONFIG = resolve(REPO, 'test/fixtures/durable/serverless.yml');
const TOKEN = 'grace-token-0123456789';
const QUEUE = 'durable-test-work';

function recordingLog(): RuntimeLog & { warnings: string[] } {
  const warnings: string[] = [];
  return { info() {}, warn: (m) => void warnings.push(m), error() {}, warnings };
}

async function call(runtime: EmbeddedRuntime, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${runtime.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe('embedded runtime: stop past the grace period', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('releases the message of a task still running at the end of the grace; the next start delivers it again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-grace-'));
    dirs.push(dataDir);
    const firstLog = recordingLog();
    const first = await EmbeddedRuntime.start({ configPath: CONFIG, dataDir, port: 0, apiToken: TOKEN, shutdownGraceMs: 200, log: firstLog });
    const submitted = await call(first, '/sluice/tasks', { process: 'work', payload: { ms: 2000, n: 7 } });
    expect(submitted.status).toBe(202);
    const taskId = submitted.body.taskId as string;
    await eventually(async () => ((await call(first, `/sluice/tasks/${taskId}`)).body as TaskRecord).status === 'running', { what: 'the task to run' });

    const stopping = Date.now();
    await first.stop();
    // Stopped after the grace, not after the task (2 s).
    expect(Date.now() - stopping).toBeLessThan(1800);
    expect(firstLog.warnings).toContain('stopped with tasks still running; released 1 message(s) for redelivery');

    // Released, not left in flight: visible now, not after the visibility timeout or a recovery.
    const storage = openEmbeddedStorage({ dataDir });
    try {
      expect(await storage.queues.stats(QUEUE)).toMatchObject({ visible: 1, inFlight: 0 });
      // Its code was stopped with its worker: attempt 1 is recorded as interrupted, to be retried.
      expect(await storage.tasks.get(taskId)).toMatchObject({ status: 'queued', attempts: 1, error: { kind: 'system', name: 'WorkerTerminated' } });
    } finally {
      storage.close();
    }

    const secondLog = recordingLog();
    const second = await EmbeddedRuntime.start({ configPath: CONFIG, dataDir, port: 0, apiToken: TOKEN, log: secondLog });
    try {
      expect(secondLog.warnings.filter((w) => /left in flight|interrupted/.test(w))).toEqual([]);
      const done = await eventually(
        async () => {
          const record = (await call(second, `/sluice/tasks/${taskId}`)).body as TaskRecord;
          return record.status === 'succeeded' ? record : undefined;
        },
        { timeoutMs: 20_000, what: 'the released task to run again and succeed' },
      );
      expect(done).toMatchObject({ attempts: 2, result: { n: 7, attempt: 2 } });
    } finally {
      await second.stop();
    }
  });
});
