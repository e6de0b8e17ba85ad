import { describe, expect, it } from 'vitest';
import { executeTask, type TaskInterruption, type TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';

const invocation: TaskInvocation = { taskId: 'task-1', process: 'demo', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} };

/** A process whose second logic logs, then waits for ever, watching its signal. */
function hanging(seen: { aborted?: boolean }) {
  return buildProcessDefinition({
    logics: [
      { name: 'first', run: (ctx) => ctx.log.info('first ran') },
      {
        name: 'stuck',
        run: (ctx) =>
          new Promise<void>(() => {
            ctx.log.info('waiting');
            ctx.signal.addEventListener('abort', () => (seen.aborted = true));
          }),
      },
    ],
    aggregator: { name: 'agg', run: () => 'never' },
  });
}

describe('executeTask with an external interrupt (a host that owns the deadline)', () => {
  it('arms no timer of its own and ends timed_out, with the logs so far, when interrupted with a timeout', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    let end: ((why: TaskInterruption) => void) | undefined;
    const seen: { aborted?: boolean } = {};
    const outcome = executeTask(hanging(seen), invocation, { clock, timeoutMs: 1000, interrupt: (e) => (end = e) });
    await clock.advance(5000); // far past timeoutMs: only the host decides
    expect(clock.pendingTimers).toBe(0);
    end!({ kind: 'timeout' });
    const ended = await outcome;
    expect(ended).toMatchObject({ status: 'timed_out', retriable: true, error: { kind: 'timeout', name: 'TimeoutError', logic: 'stuck' } });
    expect(ended.logs.map((l) => l.message)).toEqual(['first ran', 'waiting', expect.stringMatching(/timed out after 1000 ms in logic 'stuck'/)]);
    expect(seen.aborted).toBe(true);
  });

  it('ends failed with the given system error (retriable) when interrupted with a crash', async () => {
    const clock = new ManualClock();
    let end: ((why: TaskInterruption) => void) | undefined;
    const seen: { aborted?: boolean } = {};
    const outcome = executeTask(hanging(seen), invocation, { clock, timeoutMs: 1000, interrupt: (e) => (end = e) });
    await clock.advance(0);
    end!({ kind: 'crash', error: { kind: 'system', name: 'UncaughtException', message: 'uncaught exception in process code: Error: x' } });
    const ended = await outcome;
    expect(ended).toMatchObject({ status: 'failed', retriable: true, error: { kind: 'system', name: 'UncaughtException', logic: 'stuck' } });
    expect(ended.logs.map((l) => l.message)).toContain('waiting');
    expect(seen.aborted).toBe(true);
  });

  it('ends a task interrupted at once, before its first await', async () => {
    const ended = await executeTask(hanging({}), invocation, { clock: new ManualClock(), timeoutMs: 1000, interrupt: (end) => end({ kind: 'timeout' }) });
    expect(ended.status).toBe('timed_out');
  });
});
