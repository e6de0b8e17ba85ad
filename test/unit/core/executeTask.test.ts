import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { NonRetriableError } from '../../../lib/core/errors.js';
import { executeTask, type TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { Aggregator, Logic } from '../../../lib/core/process/types.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';

const invocation: TaskInvocation = {
  taskId: 'task-1',
  process: 'demo',
  attempt: 2,
  trigger: { type: 'api' },
  payload: { type: 'api', body: { n: 1 } },
  input: { n: 1 },
};
const run = (logics: Logic[], aggregator: Aggregator, timeoutMs = 5000) =>
  executeTask(buildProcessDefinition({ logics, aggregator }), invocation, { clock: systemClock, timeoutMs });

describe('executeTask', () => {
  it('runs logics in order, shares session storage, returns the aggregator result', async () => {
    const seen: string[] = [];
    const outcome = await run(
      [
        { name: 'extract', run: (ctx) => { seen.push(`extract:${ctx.task.currentLogic}`); ctx.session.set('rows', [1, 2, 3]); } },
        { name: 'transform', run: (ctx) => { seen.push(`transform:${ctx.task.executedLogics.join(',')}`); ctx.session.set('sum', ctx.session.get<number[]>('rows')!.reduce((a, b) => a + b)); } },
      ],
      { name: 'load', run: (ctx) => ({ sum: ctx.session.get('sum'), attempt: ctx.task.attempt, input: ctx.input }) },
    );
    expect(seen).toEqual(['extract:extract', 'transform:extract']);
    expect(outcome).toMatchObject({ status: 'succeeded', result: { sum: 6, attempt: 2, input: { n: 1 } } });
  });

  it('session values are copies: mutating a fetched value does not change the stored one', async () => {
    const outcome = await run(
      [{ name: 'a', run: (ctx) => { const v = { n: 1 }; ctx.session.set('v', v); v.n = 99; ctx.session.get<{ n: number }>('v')!.n = 42; } }],
      { name: 'agg', run: (ctx) => ctx.session.get('v') },
    );
    expect(outcome).toMatchObject({ status: 'succeeded', result: { n: 1 } });
  });

  it('rejects a session value that is not JSON-serialisable, failing the logic that tried', async () => {
    const outcome = await run([{ name: 'a', run: (ctx) => ctx.session.set('f', () => 1) }], { name: 'agg', run: () => 'never' });
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'logic', logic: 'a' } });
  });

  it('switches to the railway: the failing logic and every later one run handleError, no later run', async () => {
    const calls: string[] = [];
    const outcome = await run(
      [
        { name: 'extract', run: () => { calls.push('extract.run'); }, handleError: () => { calls.push('extract.handleError'); } },
        { name: 'transform', run: () => { calls.push('transform.run'); throw new TypeError('bad row 7'); }, handleError: (_ctx, err) => { calls.push(`transform.handleError:${err.logic}:${err.name}`); } },
        { name: 'load', run: () => { calls.push('load.run'); }, handleError: (_ctx, err) => { calls.push(`load.handleError:${err.message}`); } },
      ],
      { name: 'summary', run: () => { calls.push('summary.run'); }, handleError: (ctx, err) => { calls.push('summary.handleError'); return { compensated: err.logic, executed: ctx.task.executedLogics }; } },
    );
    expect(calls).toEqual(['extract.run', 'transform.run', 'transform.handleError:transform:TypeError', 'load.handleError:bad row 7', 'summary.handleError']);
    expect(outcome).toMatchObject({
      status: 'failed',
      retriable: true,
      error: { kind: 'logic', name: 'TypeError', message: 'bad row 7', logic: 'transform' },
      result: { compensated: 'transform', executed: ['extract', 'transform', 'load'] },
    });
  });

  it('ends as a system error when a handleError throws, and stops the railway there', async () => {
    const calls: string[] = [];
    const outcome = await run(
      [
        { name: 'a', run: () => { throw new Error('first'); }, handleError: () => { throw new Error('second'); } },
        { name: 'b', run: () => calls.push('b.run'), handleError: () => calls.push('b.handleError') },
      ],
      { name: 'agg', run: () => 1 },
    );
    expect(calls).toEqual([]);
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'system', logic: 'a' } });
    expect(outcome.status === 'failed' && outcome.error.message).toContain('second');
  });

  it('turns a thrown non-Error into a CustomError', async () => {
    const outcome = await run([{ name: 'a', run: () => { throw { code: 42 }; } }], { name: 'agg', run: () => 1 });
    expect(outcome).toMatchObject({ status: 'failed', error: { name: 'CustomError', message: '{"code":42}', logic: 'a' } });
  });

  it('marks NonRetriableError failures as not retriable', async () => {
    const outcome = await run([{ name: 'a', run: () => { throw new NonRetriableError('bad data'); } }], { name: 'agg', run: () => 1 });
    expect(outcome).toMatchObject({ status: 'failed', retriable: false, error: { name: 'NonRetriableError' } });
  });

  it('stores logs tagged by logic, including structured data', async () => {
    const outcome = await run(
      [{ name: 'extract', run: (ctx) => ctx.log.info('read rows', { count: 3 }) }],
      { name: 'agg', run: (ctx) => { ctx.log.warn('done'); ctx.log.error('oops', new Error('e1')); } },
    );
    expect(outcome.logs.map(({ time: _t, ...rest }) => rest)).toEqual([
      { level: 'info', logic: 'extract', message: 'read rows', data: { count: 3 } },
      { level: 'warn', logic: 'agg', message: 'done' },
      { level: 'error', logic: 'agg', message: 'oops', data: { name: 'Error', message: 'e1' } },
    ]);
  });

  it('bounds the logs and says how many lines were dropped', async () => {
    const definition = buildProcessDefinition({ logics: [{ name: 'a', run: (ctx) => { for (let i = 0; i < 50; i++) ctx.log.info(`line ${i}`); } }], aggregator: { name: 'agg', run: () => 1 } });
    const outcome = await executeTask(definition, invocation, { clock: systemClock, timeoutMs: 1000, logLimits: { maxLines: 10, maxChars: 10_000 } });
    expect(outcome.logs).toHaveLength(10);
    expect(outcome.logs.at(-1)?.message).toMatch(/^41 log line\(s\) dropped/);
  });

  it('times out: aborts the signal, ends timed_out, and drops what the logic does afterwards', async () => {
    const clock = new ManualClock(0);
    let aborted = false;
    let release!: () => void;
    const definition = buildProcessDefinition({
      logics: [
        {
          name: 'slow',
          run: async (ctx) => {
            ctx.signal.addEventListener('abort', () => (aborted = true));
            await new Promise<void>((resolve) => (release = resolve));
            ctx.log.info('after the timeout');
          },
        },
      ],
      aggregator: { name: 'agg', run: () => 'late result' },
    });
    const pending = executeTask(definition, invocation, { clock, timeoutMs: 6000 });
    await clock.advance(5999);
    expect(aborted).toBe(false);
    await clock.advance(1);
    const outcome = await pending;
    release();
    await new Promise((r) => setImmediate(r));
    expect(aborted).toBe(true);
    expect(outcome).toMatchObject({ status: 'timed_out', error: { kind: 'timeout', logic: 'slow' } });
    expect(outcome.logs.some((l) => l.message === 'after the timeout')).toBe(false);
  });

  it('normalises the result to JSON and fails clearly when it cannot be', async () => {
    const date = new Date('2026-01-02T03:04:05.000Z');
    expect(await run([{ name: 'a', run: () => {} }], { name: 'agg', run: () => ({ at: date }) })).toMatchObject({ status: 'succeeded', result: { at: '2026-01-02T03:04:05.000Z' } });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(await run([{ name: 'a', run: () => {} }], { name: 'agg', run: () => circular })).toMatchObject({
      status: 'failed',
      retriable: false,
      error: { name: 'ResultNotSerializable', logic: 'agg' },
    });
  });

  it('lets a logic set the HTTP status and headers, and refuses header injection', async () => {
    const ok = await run([{ name: 'a', run: (ctx) => ctx.response.status(201).header('X-Rows', '3') }], { name: 'agg', run: () => 1 });
    expect(ok.response).toEqual({ status: 201, headers: { 'x-rows': '3' } });
    const bad = await run([{ name: 'a', run: (ctx) => ctx.response.header('x-evil', 'a\r\nset-cookie: x') }], { name: 'agg', run: () => 1 });
    expect(bad).toMatchObject({ status: 'failed', error: { name: 'TypeError', logic: 'a' } });
  });
});

describe('buildProcessDefinition', () => {
  it('rejects unusable declarations with a message naming the problem', () => {
    const agg = { name: 'agg', run: () => 1 };
    expect(() => buildProcessDefinition({ name: 'x', logics: [], aggregator: agg })).toThrow(/at least one logic/);
    expect(() => buildProcessDefinition({ logics: [{ name: 'agg', run: () => 1 }], aggregator: agg })).toThrow(/two logics are named 'agg'/);
    expect(() => buildProcessDefinition({ name: 'bad name!', logics: [{ name: 'a', run: () => 1 }], aggregator: agg })).toThrow(/name must be/);
    expect(() => buildProcessDefinition({ logics: [{ name: 'a' } as never], aggregator: agg })).toThrow(/run\(ctx\)/);
    const schema = z.object({ since: z.string() });
    expect(buildProcessDefinition({ input: schema, logics: [{ name: 'a', run: () => 1 }], aggregator: agg }).input).toBe(schema);
  });
});
