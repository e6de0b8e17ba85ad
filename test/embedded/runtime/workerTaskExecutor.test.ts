import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { silentRuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { WorkerTaskExecutor } from '../../../lib/embedded/runtime/WorkerTaskExecutor.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { eventually } from '../../helpers/time.js';

const FUNCTIONS = resolve(import.meta.dirname, '../../fixtures/isolation/functions');
// Only the name is read: the worker loads the definition from its module.
const spin = { name: 'spin' } as RunnableProcess;

const invocation = (taskId: string, input: Record<string, unknown>): TaskInvocation => ({
  taskId,
  process: 'spin',
  attempt: 1,
  trigger: { type: 'api' },
  payload: { type: 'api', body: input },
  input: { spin: true, waitMs: 0, ...input },
});

describe('WorkerTaskExecutor: the main thread owns the deadline, on the runtime clock', () => {
  let executor: WorkerTaskExecutor | undefined;
  afterEach(async () => {
    await executor?.close();
  });

  const start = (clock: ManualClock) =>
    (executor = new WorkerTaskExecutor({
      functions: [{ name: 'spin', file: resolve(FUNCTIONS, 'spin.ts'), exportName: 'handler', env: {}, memorySizeMb: 256, concurrency: 4 }],
      clock,
      log: silentRuntimeLog,
      workersPerFunction: 1,
      graceMs: 300,
    }));

  it('times a waiting task out when the ManualClock reaches its deadline; the worker answers with the logs so far', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const ex = start(clock);
    // Waits 60 s of real time unless aborted: it does not watch ctx.signal, but its worker is free.
    let ended = false;
    const outcome = ex.execute(spin, invocation('t-wait', { spin: false, waitMs: 60_000 }), { timeoutMs: 2000 }).finally(() => (ended = true));
    await eventually(() => clock.pendingTimers === 1, { what: 'the deadline to be armed' });
    await clock.advance(1999);
    expect(ended).toBe(false);
    await clock.advance(1);
    const result = await outcome;
    expect(result).toMatchObject({ status: 'timed_out', error: { kind: 'timeout', logic: 'busy' } });
    // Task times follow the runtime's clock (here manual), not the worker's wall clock.
    expect(result.startedAt).toMatch(/^2026-03-01T12:00:0/);
    expect(result.logs.at(-1)?.message).toMatch(/timed out after 2000 ms in logic 'busy'/);
  });

  it('terminates a blocked worker after the grace: the culprit is timed_out, the task sharing it fails WorkerTerminated, and a new worker serves', async () => {
    const clock = new ManualClock();
    const ex = start(clock);
    const bystander = ex.execute(spin, invocation('t-bystander', { spin: false, waitMs: 60_000 }), { timeoutMs: 60_000 });
    const culprit = ex.execute(spin, invocation('t-culprit', {}), { timeoutMs: 1000 });
    await eventually(() => clock.pendingTimers === 2, { what: 'both deadlines to be armed' });
    await clock.advance(1000);
    const [blocked, shared] = await Promise.all([culprit, bystander]);
    expect(blocked).toMatchObject({ status: 'timed_out', retriable: true, error: { kind: 'timeout', name: 'TimeoutError' } });
    expect(blocked.logs.at(-1)?.message).toMatch(/kept the worker thread busy and the worker was terminated/);
    expect(shared).toMatchObject({ status: 'failed', retriable: true, error: { kind: 'system', name: 'WorkerTerminated' } });
    expect(shared.status === 'failed' && shared.error.message).toMatch(/t-culprit/);
    expect(clock.pendingTimers).toBe(0);
    const next = await ex.execute(spin, invocation('t-next', { spin: false }), { timeoutMs: 1000 });
    expect(next).toMatchObject({ status: 'succeeded', result: { spun: false } });
  });

  it('spreads a burst over up to workersPerFunction workers, started on demand', async () => {
    const clock = new ManualClock();
    executor = new WorkerTaskExecutor({
      functions: [{ name: 'spin', file: resolve(FUNCTIONS, 'spin.ts'), exportName: 'handler', env: {}, memorySizeMb: 256, concurrency: 2 }],
      clock,
      log: silentRuntimeLog,
      workersPerFunction: 3, // capped by the function's concurrency (2)
    });
    expect(executor.workers()).toEqual({ spin: 0 });
    const first = await executor.execute(spin, invocation('t-0', { spin: false }), { timeoutMs: 1000 });
    expect(first.status).toBe('succeeded');
    expect(executor.workers()).toEqual({ spin: 1 });
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => executor!.execute(spin, invocation(`t-${i + 1}`, { spin: false, waitMs: 20 }), { timeoutMs: 10_000 })));
    expect(burst.every((o) => o.status === 'succeeded')).toBe(true);
    expect(executor.workers()).toEqual({ spin: 2 });
  });
});
