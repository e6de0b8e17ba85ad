/**
 * `ctx.session` as process code sees it (one `MemorySessionStorage` per task,
 * through `executeTask`, which both runtimes call): every method of the
 * `SessionStorage` contract, across logics, the railway and tasks.
 */
import { describe, expect, it } from 'vitest';
import { executeTask, type TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { MemorySessionStorage } from '../../../lib/core/execution/MemorySessionStorage.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { Aggregator, Logic, SessionStorage } from '../../../lib/core/process/types.js';

const invocation: TaskInvocation = { taskId: 'task-s', process: 'demo', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} };
const run = (logics: Logic[], aggregator: Aggregator) => executeTask(buildProcessDefinition({ logics, aggregator }), invocation, { clock: systemClock, timeoutMs: 5000 });

describe('ctx.session', () => {
  it('has: false for a key never set or deleted, true once set (null included)', async () => {
    const seen: unknown[] = [];
    const outcome = await run(
      [
        {
          name: 'a',
          run(ctx) {
            seen.push(ctx.session.has('k'));
            ctx.session.set('k', null);
            ctx.session.set('zero', 0);
            ctx.session.set('empty', '');
            seen.push(ctx.session.has('k'), ctx.session.has('zero'), ctx.session.has('empty'), ctx.session.has('K'), ctx.session.has(''));
          },
        },
        { name: 'b', run: (ctx) => void seen.push(ctx.session.has('k'), ctx.session.get('k')) },
      ],
      { name: 'agg', run: (ctx) => (ctx.session.delete('k'), ctx.session.has('k')) },
    );
    expect(seen).toEqual([false, true, true, true, false, false, true, null]);
    expect(outcome).toMatchObject({ status: 'succeeded', result: false });
  });

  it('delete: true when the key was there, false otherwise; the value is gone for later logics', async () => {
    const seen: unknown[] = [];
    const outcome = await run(
      [
        { name: 'a', run: (ctx) => void (ctx.session.set('rows', [1, 2]), ctx.session.set('keep', 'x')) },
        { name: 'b', run: (ctx) => void seen.push(ctx.session.delete('rows'), ctx.session.delete('rows'), ctx.session.delete('never')) },
      ],
      { name: 'agg', run: (ctx) => ({ rows: ctx.session.get('rows') ?? 'gone', keep: ctx.session.get('keep'), keys: ctx.session.keys() }) },
    );
    expect(seen).toEqual([true, false, false]);
    expect(outcome).toMatchObject({ status: 'succeeded', result: { rows: 'gone', keep: 'x', keys: ['keep'] } });
  });

  it('keys: empty at first, in insertion order, a re-set key keeps its place, a deleted and re-set key moves last', async () => {
    const seen: string[][] = [];
    const outcome = await run(
      [
        {
          name: 'a',
          run(ctx) {
            seen.push(ctx.session.keys());
            ctx.session.set('b', 1);
            ctx.session.set('a', 2);
            ctx.session.set('c', 3);
            ctx.session.set('b', 4);
            seen.push(ctx.session.keys());
            ctx.session.delete('b');
            ctx.session.set('b', 5);
            seen.push(ctx.session.keys());
          },
        },
      ],
      { name: 'agg', run: (ctx) => ctx.session.keys().map((k) => [k, ctx.session.get(k)]) },
    );
    expect(seen).toEqual([[], ['b', 'a', 'c'], ['a', 'c', 'b']]);
    expect(outcome).toMatchObject({ status: 'succeeded', result: [['a', 2], ['c', 3], ['b', 5]] });
  });

  it('keys returns a copy: changing the array changes nothing stored', async () => {
    const outcome = await run(
      [{ name: 'a', run: (ctx) => { ctx.session.set('x', 1); const keys = ctx.session.keys(); keys.push('y'); keys.length = 0; } }],
      { name: 'agg', run: (ctx) => ({ keys: ctx.session.keys(), hasY: ctx.session.has('y'), x: ctx.session.get('x') }) },
    );
    expect(outcome).toMatchObject({ status: 'succeeded', result: { keys: ['x'], hasY: false, x: 1 } });
  });

  it('is the same storage in handleError on the railway, and a failed set stores nothing', async () => {
    const outcome = await run(
      [
        { name: 'a', run: (ctx) => ctx.session.set('before', true) },
        { name: 'b', run: (ctx) => ctx.session.set('fn', () => 1), handleError: (ctx) => void ctx.session.set('handled', ctx.session.has('fn')) },
      ],
      { name: 'agg', run: () => 'never', handleError: (ctx) => ({ keys: ctx.session.keys(), handled: ctx.session.get('handled') }) },
    );
    expect(outcome).toMatchObject({ status: 'failed', result: { keys: ['before', 'handled'], handled: false } });
  });

  it('is per task: a second task starts with an empty session', async () => {
    const definition = buildProcessDefinition({
      logics: [{ name: 'a', run: (ctx) => void ctx.session.set(`seen-${ctx.session.keys().length}`, 1) }],
      aggregator: { name: 'agg', run: (ctx) => ctx.session.keys() },
    });
    const first = await executeTask(definition, invocation, { clock: systemClock, timeoutMs: 5000 });
    const second = await executeTask(definition, invocation, { clock: systemClock, timeoutMs: 5000 });
    expect(first).toMatchObject({ status: 'succeeded', result: ['seen-0'] });
    expect(second).toMatchObject({ status: 'succeeded', result: ['seen-0'] });
  });
});

describe('MemorySessionStorage', () => {
  it('clear empties it (the runtime frees a finished task’s values)', () => {
    const session: SessionStorage & { clear(): void } = new MemorySessionStorage();
    session.set('a', 1);
    session.set('b', { deep: [1] });
    session.clear();
    expect(session.keys()).toEqual([]);
    expect(session.has('a')).toBe(false);
    expect(session.get('b')).toBeUndefined();
    expect(session.delete('a')).toBe(false);
  });

  it('refuses values JSON cannot hold, naming the key, and keeps the previous value', () => {
    const session = new MemorySessionStorage();
    session.set('k', 'old');
    expect(() => session.set('k', undefined)).toThrow(/session value 'k' is not JSON-serialisable \(undefined\)/);
    expect(() => session.set('k', 10n)).toThrow(/session value 'k' is not JSON-serialisable/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => session.set('k', cyclic)).toThrow(expect.objectContaining({ name: 'SluiceError', cause: expect.any(TypeError) }));
    expect(session.get('k')).toBe('old');
    expect(session.keys()).toEqual(['k']);
  });
});
