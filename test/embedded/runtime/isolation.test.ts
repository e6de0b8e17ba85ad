import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/isolation/serverless.yml');

/** A request whose settlement the test can observe without awaiting it. */
function pending<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

describe('embedded runtime: process code runs isolated in worker threads', () => {
  let h: Harness;
  let scratch: string;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'sluice-iso-'));
    // One worker per function: tasks of a function share it, which is what the crash tests need.
    h = await startHarness({ configPath: CONFIG, workersPerFunction: 1, env: { ...process.env, SLUICE_API_TOKEN: 'runtime-only-token-0123456789' } });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const markerLines = (marker: string) => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean) : []);

  it('ends a busy loop at its timeout with a 504 while the server, health and other functions keep answering', async () => {
    const marker = join(scratch, 'sync-spin');
    // Start the other function's worker first: what is measured is the main thread's answer, not a worker start.
    expect((await h.call('/other', { auth: false })).status).toBe(200);
    const spin = pending(h.call('/spin', { method: 'POST', json: { marker }, auth: false }));
    await eventually(() => markerLines(marker).length === 1, { what: 'the spin task to start spinning' });

    // While it spins: the platform API and another function's route answer.
    const health = await h.call('/sluice/health', { auth: false });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const other = await h.call('/other', { auth: false });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ ok: true, onlyOther: 'mine', token: null }); // its own function's environment, not the runtime's token
    expect(spin.settled()).toBe(false);

    const res = await spin.promise;
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ kind: 'timeout', name: 'TimeoutError' });
    const stored = await h.task(res.body.taskId);
    expect(stored.status).toBe('timed_out');
    expect(stored.logs.at(-1)?.message).toMatch(/worker was terminated/);

    // The next request to the same function gets a fresh worker.
    const again = await h.call('/spin', { method: 'POST', json: { spin: false }, auth: false });
    expect(again).toMatchObject({ status: 200, body: { spun: false } });
  });

  it('retries an async task stopped by its timeout in a busy loop, then ends it timed_out (maxReceiveCount 2)', async () => {
    const marker = join(scratch, 'async-spin');
    const submitted = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'spin-queued', payload: { marker } } });
    expect(submitted.status).toBe(202);
    const { taskId } = submitted.body;
    await eventually(() => markerLines(marker).length === 1, { what: 'the first attempt to spin' });
    expect((await h.call('/sluice/health', { auth: false })).status).toBe(200);

    const retried = await h.waitForTask(taskId, (t) => t.status === 'queued' && t.attempts === 1 && t.error !== undefined);
    expect(retried.error).toMatchObject({ kind: 'timeout', name: 'TimeoutError' });
    // Back after its retry delay (6 s, no jitter), the last attempt times out the same way, for good.
    const last = await eventually(async () => {
      const t = await h.task(taskId);
      return t.status === 'timed_out' ? t : undefined;
    }, { timeoutMs: 25_000, what: 'the second attempt to time out' });
    expect(last.attempts).toBe(2);
    expect(markerLines(marker).map((l) => l.split(' ')[1])).toEqual(['1', '2']);
  }, 30_000);

  it.each([
    ['throw', 'UncaughtException', /uncaught exception in process code: Error: callback boom/],
    ['reject', 'UnhandledRejection', /unhandled promise rejection in process code: Error: nobody caught me/],
  ])('fails only the task whose callback crashed (%s), not the tasks sharing its worker', async (mode, name, message) => {
    const marker = join(scratch, `bystander-${mode}`);
    const bystander = pending(h.call('/crash', { method: 'POST', json: { mode: 'ok', waitMs: 2500, marker }, auth: false }));
    await eventually(() => markerLines(marker).length === 1, { what: 'the bystander to run' });
    const crashed = await h.call('/crash', { method: 'POST', json: { mode }, auth: false });
    expect(crashed.status).toBe(500);
    expect(crashed.body.error).toMatchObject({ kind: 'system', name, logic: 'callback' });
    expect(crashed.body.error.message).toMatch(message);
    expect(bystander.settled()).toBe(false); // it was running in the same worker all along
    const stored = await h.task(crashed.body.taskId);
    expect(stored.status).toBe('failed');
    // Its stack names files relative to the service, never the machine's layout.
    expect(stored.error?.stack).toMatch(/functions\/crash\.ts/);
    expect(JSON.stringify(stored)).not.toContain(process.cwd());
    expect(stored.logs.map((l) => l.message)).toContain(`mode ${mode}`); // the logs so far are kept
    const ok = await bystander.promise;
    expect(ok).toMatchObject({ status: 200, body: { mode: 'ok' } });
    expect((await h.call('/crash', { method: 'POST', json: { mode: 'ok' }, auth: false })).status).toBe(200);
  });

  it('fails every task of the worker when a crash cannot be attributed to one task, and replaces the worker', async () => {
    const marker = join(scratch, 'detached-bystander');
    const bystander = pending(h.call('/crash', { method: 'POST', json: { mode: 'ok', waitMs: 5000, marker }, auth: false }));
    await eventually(() => markerLines(marker).length === 1, { what: 'the bystander to run' });
    const crashed = await h.call('/crash', { method: 'POST', json: { mode: 'detached' }, auth: false });
    expect(crashed.status).toBe(500);
    expect(crashed.body.error).toMatchObject({ kind: 'system', name: 'UncaughtException' });
    expect(crashed.body.error.message).toMatch(/detached boom.*not attributable to one task/);
    const shared = await bystander.promise;
    expect(shared.status).toBe(500);
    expect(shared.body.error.name).toBe('UncaughtException');
    expect((await h.call('/crash', { method: 'POST', json: { mode: 'ok' }, auth: false })).status).toBe(200);
  });

  it('fails the tasks of a worker that exits (process.exit) and replaces it', async () => {
    const res = await h.call('/crash', { method: 'POST', json: { mode: 'exit' }, auth: false });
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ kind: 'system', name: 'WorkerExited' });
    expect((await h.call('/crash', { method: 'POST', json: { mode: 'ok' }, auth: false })).status).toBe(200);
  });

  it('fails a task that runs out of memory (memorySize 128) and keeps serving', async () => {
    const res = await h.call('/oom', { method: 'POST', json: { hog: true }, auth: false });
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ kind: 'system', name: 'OutOfMemory' });
    expect((await h.task(res.body.taskId)).status).toBe('failed');
    expect((await h.call('/sluice/health', { auth: false })).status).toBe(200);
    expect(await h.call('/oom', { method: 'POST', json: { hog: false }, auth: false })).toMatchObject({ status: 200, body: { kept: 0 } });
  }, 30_000);
});
