/**
 * The default bounds of a task's stored logs (README: 1000 lines / 256 KiB
 * per task), as every runtime gets them: no runtime passes `logLimits`, so
 * `executeTask` and `TaskRunner` fall back to `DEFAULT_LOG_LIMITS`. These
 * tests fail if a default changes, or if the bounds are off by one.
 */
import { describe, expect, it } from 'vitest';
import { executeTask, type TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { DEFAULT_LOG_LIMITS, TaskLogBuffer } from '../../../lib/core/execution/TaskLogBuffer.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import { TaskRunner } from '../../../lib/core/runner/TaskRunner.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

const invocation: TaskInvocation = { taskId: 'task-l', process: 'demo', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} };
const logging = (lines: number, text: (i: number) => string) =>
  buildProcessDefinition({ logics: [{ name: 'a', run: (ctx) => { for (let i = 0; i < lines; i++) ctx.log.info(text(i)); } }], aggregator: { name: 'agg', run: () => 'ok' } });

describe('default task log limits', () => {
  it('are 1000 lines and 256 KiB', () => {
    expect(DEFAULT_LOG_LIMITS).toEqual({ maxLines: 1000, maxChars: 262_144 });
  });

  it('keep 999 lines and a marker, 1000 in all, when a task logs 1500', async () => {
    const outcome = await executeTask(logging(1500, (i) => `line ${i}`), invocation, { clock: systemClock, timeoutMs: 5000 });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.logs).toHaveLength(1000);
    expect(outcome.logs[998]).toMatchObject({ level: 'info', logic: 'a', message: 'line 998' });
    expect(outcome.logs[999]).toMatchObject({ level: 'warn', message: '501 log line(s) dropped: a task keeps at most 1000 lines / 262144 characters' });
  });

  it('keep all 999 lines of a task that logs 999, and drop the 1000th for the marker’s reserved line', async () => {
    const outcome = await executeTask(logging(999, (i) => `line ${i}`), invocation, { clock: systemClock, timeoutMs: 5000 });
    expect(outcome.logs).toHaveLength(999);
    expect(outcome.logs.at(-1)?.message).toBe('line 998');
    const over = await executeTask(logging(1000, (i) => `line ${i}`), invocation, { clock: systemClock, timeoutMs: 5000 });
    expect(over.logs).toHaveLength(1000);
    expect(over.logs.at(-1)?.message).toMatch(/^1 log line\(s\) dropped/);
  });

  it('keep up to exactly 256 KiB of text: 256 lines of 1 KiB, not 257', async () => {
    const kib = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(1020)}`;
    const outcome = await executeTask(logging(300, kib), invocation, { clock: systemClock, timeoutMs: 5000 });
    expect(outcome.logs).toHaveLength(257);
    expect(outcome.logs[255]?.message).toBe(kib(255));
    expect(outcome.logs[256]?.message).toBe('44 log line(s) dropped: a task keeps at most 1000 lines / 262144 characters');
  });

  it('count structured data towards the character bound', () => {
    const buffer = new TaskLogBuffer(() => 0, { maxLines: 100, maxChars: 20 });
    buffer.append('info', 'abc', { n: 12345 }); // 3 + '{"n":12345}'.length (11) = 14
    buffer.append('info', 'abcdefg'); // 14 + 7 = 21 > 20: dropped
    buffer.append('info', 'abcdef'); // 14 + 6 = 20: kept
    expect(buffer.freeze().map((e) => e.message)).toEqual(['abc', 'abcdef', '1 log line(s) dropped: a task keeps at most 100 lines / 20 characters']);
  });

  it('apply to what TaskRunner stores, since no runtime passes other limits', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    const { record } = await runner.runSync(
      { name: 'demo', timeoutMs: 5000, definition: logging(1200, (i) => `line ${i}`) },
      {
        taskId: 'sync-logs',
        trigger: { type: 'http', method: 'GET', path: '/x', route: '/x' },
        payload: { type: 'http', method: 'GET', path: '/x', route: '/x', pathParameters: {}, query: {}, headers: {}, body: undefined },
        input: {},
      },
    );
    expect(record.logs).toHaveLength(1000);
    expect((await store.get('sync-logs'))!.logs.at(-1)?.message).toMatch(/^201 log line\(s\) dropped: a task keeps at most 1000 lines/);
  });
});
