/**
 * Whatever process code throws or returns, the railway holds: an error whose
 * properties throw when read, a Proxy, a huge message, a result or log data
 * nested past the JSON limit. Each found by trying to break the runtime.
 */
import { describe, expect, it } from 'vitest';
import { MAX_STORED_JSON_DEPTH as MAX_JSON_DEPTH } from '../../../lib/core/boundedJson.js';
import { executeTask, MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, type TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { Aggregator, Logic } from '../../../lib/core/process/types.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';

const invocation: TaskInvocation = { taskId: 't', process: 'demo', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} };
const run = (logics: Logic[], aggregator: Aggregator) => executeTask(buildProcessDefinition({ logics, aggregator }), invocation, { clock: systemClock, timeoutMs: 5000 });

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function errorWithThrowing(property: 'name' | 'message' | 'stack'): Error {
  const error = new Error('plain');
  Object.defineProperty(error, property, { get: () => { throw new Error(`${property} boom`); } });
  return error;
}

describe('errors whose reading throws still take the railway', () => {
  for (const property of ['name', 'message', 'stack'] as const) {
    it(`an Error with a throwing '${property}' getter: a logic failure, handleError and the aggregator's handleError run`, async () => {
      const seen: string[] = [];
      const outcome = await run(
        [{ name: 'a', run: () => { throw errorWithThrowing(property); }, handleError: () => void seen.push('a') }],
        { name: 'agg', run: () => 1, handleError: () => { seen.push('agg'); return 'fallback'; } },
      );
      expect(outcome).toMatchObject({ status: 'failed', retriable: true, error: { kind: 'logic', logic: 'a' }, result: 'fallback' });
      expect(seen).toEqual(['a', 'agg']);
    });
  }

  it('a Proxy whose getPrototypeOf throws is a CustomError, not a crash', async () => {
    const proxy = new Proxy({}, { getPrototypeOf: () => { throw new Error('proto boom'); }, get: () => { throw new Error('get boom'); } });
    const outcome = await run([{ name: 'a', run: () => { throw proxy; } }], { name: 'agg', run: () => 1 });
    expect(outcome).toMatchObject({ status: 'failed', retriable: true, error: { kind: 'logic', name: 'CustomError', logic: 'a' } });
  });

  it('the same thrown from handleError ends the task as a final system error', async () => {
    const outcome = await run(
      [{ name: 'a', run: () => { throw new Error('first'); }, handleError: () => { throw errorWithThrowing('name'); } }],
      { name: 'agg', run: () => 1 },
    );
    expect(outcome).toMatchObject({ status: 'failed', retriable: false, error: { kind: 'system', logic: 'a' } });
  });
});

describe('a huge error is cut, so the task keeps its error and its retries', () => {
  it(`keeps at most ${MAX_ERROR_MESSAGE_CHARS} characters of the message and ${MAX_ERROR_STACK_CHARS} of the stack, saying how much was cut`, async () => {
    const error = new Error('x'.repeat(2_000_000));
    error.stack = `Error: ${'y'.repeat(100_000)}`;
    const outcome = await run([{ name: 'a', run: () => { throw error; } }], { name: 'agg', run: () => 1 });
    if (outcome.status !== 'failed') throw new Error('expected a failure');
    expect(outcome.retriable).toBe(true);
    expect(outcome.error.message.startsWith('x'.repeat(MAX_ERROR_MESSAGE_CHARS))).toBe(true);
    expect(outcome.error.message).toContain(`(${2_000_000 - MAX_ERROR_MESSAGE_CHARS} more characters cut)`);
    expect(outcome.error.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 100);
    expect(outcome.error.stack!.length).toBeLessThan(MAX_ERROR_STACK_CHARS + 100);
  });

  it('keeps a message of exactly the limit whole', async () => {
    const outcome = await run([{ name: 'a', run: () => { throw new Error('m'.repeat(MAX_ERROR_MESSAGE_CHARS)); } }], { name: 'agg', run: () => 1 });
    expect(outcome).toMatchObject({ error: { message: 'm'.repeat(MAX_ERROR_MESSAGE_CHARS) } });
  });
});

describe(`JSON past ${MAX_JSON_DEPTH} levels is never kept`, () => {
  it('a result nested too deep is ResultNotSerializable; exactly the limit is kept', async () => {
    const deep = await run([{ name: 'a', run() {} }], { name: 'agg', run: () => nested(5000) });
    expect(deep).toMatchObject({ status: 'failed', retriable: false, error: { name: 'ResultNotSerializable', logic: 'agg' } });
    expect((deep as { error: { message: string } }).error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    const edge = await run([{ name: 'a', run() {} }], { name: 'agg', run: () => nested(MAX_JSON_DEPTH - 1) });
    expect(edge).toMatchObject({ status: 'succeeded', result: nested(MAX_JSON_DEPTH - 1) });
  });

  it("the aggregator handleError's result that has no JSON form is dropped with a log line; the failure stands", async () => {
    const outcome = await run([{ name: 'a', run: () => { throw new Error('no'); } }], { name: 'agg', run: () => 1, handleError: () => ({ n: 10n }) });
    expect(outcome).toMatchObject({ status: 'failed', error: { message: 'no' } });
    expect(outcome).not.toHaveProperty('result');
    expect(outcome.logs.at(-1)).toMatchObject({ level: 'warn', logic: 'agg' });
  });

  it('log data nested too deep is replaced by a note, the line is kept', async () => {
    const outcome = await run([{ name: 'a', run: (ctx) => ctx.log.info('deep', nested(5000)) }], { name: 'agg', run: () => 1 });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.logs[0]).toMatchObject({ message: 'deep', data: `[data nested deeper than ${MAX_JSON_DEPTH} levels, not kept]` });
  });
});
