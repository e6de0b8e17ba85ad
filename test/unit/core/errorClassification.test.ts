/**
 * Errors are classified by brand (Symbol.for), never by `name` or
 * `instanceof`: subclasses and other copies of the SDK's classes count, a
 * plain Error that only borrows a name does not. And the railway, precisely:
 * who runs on the error track, and what a throwing handleError ends.
 */
import { describe, expect, it } from 'vitest';
import * as errors from '../../../lib/core/errors.js';
import { NonRetriableError, SLUICE_ERROR_KIND, ValidationError, isNonRetriableError, sluiceErrorKind } from '../../../lib/core/errors.js';
import { executeTask, type TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { Aggregator, Logic } from '../../../lib/core/process/types.js';
import { TaskRunner, type Delivery } from '../../../lib/core/runner/TaskRunner.js';
import { errorReply } from '../../../lib/http/httpResponses.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

const invocation: TaskInvocation = { taskId: 't', process: 'demo', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} };
const run = (logics: Logic[], aggregator: Aggregator) => executeTask(buildProcessDefinition({ logics, aggregator }), invocation, { clock: systemClock, timeoutMs: 5000 });
const throwing = (error: unknown) => run([{ name: 'a', run: () => { throw error; } }], { name: 'agg', run: () => 1 });

class CustomerNotFound extends NonRetriableError {
  override name = 'CustomerNotFound';
}

/**
 * Another copy of the SDK's classes (as in a bundle): the same file
 * evaluated again by another loader (tsx's CommonJS loader, which the
 * serverless plugin uses too), so every class is another object.
 */
async function otherCopyOfErrors(): Promise<typeof errors> {
  const { require: tsxRequire } = (await import('tsx/cjs/api')) as { require: (id: string, from: string) => unknown };
  return tsxRequire('../../../lib/core/errors.ts', import.meta.url) as typeof errors;
}

describe('NonRetriableError, by brand', () => {
  it('stops retries for a subclass with its own name (the shipped CustomerNotFound)', async () => {
    const outcome = await throwing(new CustomerNotFound('no customer'));
    expect(outcome).toMatchObject({ status: 'failed', retriable: false, error: { kind: 'logic', name: 'CustomerNotFound' } });
  });

  it('stops retries for the class loaded twice, where instanceof fails', async () => {
    const copy = await otherCopyOfErrors();
    expect(copy.NonRetriableError).not.toBe(NonRetriableError);
    const foreign = new (class extends copy.NonRetriableError {
      override name = 'Gone';
    })('gone');
    expect(foreign instanceof NonRetriableError).toBe(false);
    expect(isNonRetriableError(foreign)).toBe(true);
    expect(await throwing(foreign)).toMatchObject({ status: 'failed', retriable: false, error: { name: 'Gone' } });
  });

  it('stops retries for any object carrying the brand, even one that is not instanceof Error here', async () => {
    const branded = Object.assign(Object.create({ [Symbol.for('sluice.error.kind')]: 'NonRetriableError' }), { message: 'from a bundle' });
    expect(await throwing(branded)).toMatchObject({ status: 'failed', retriable: false });
  });

  it('does NOT count a plain Error named NonRetriableError: a name is a label, not a brand', async () => {
    const impostor = Object.assign(new Error('looks final'), { name: 'NonRetriableError' });
    expect(isNonRetriableError(impostor)).toBe(false);
    expect(await throwing(impostor)).toMatchObject({ status: 'failed', retriable: true, error: { name: 'NonRetriableError' } });
  });

  it('keeps ordinary errors retriable', async () => {
    expect(await throwing(new TypeError('flaky'))).toMatchObject({ retriable: true });
    expect(await throwing(new ValidationError('v', []))).toMatchObject({ retriable: true });
    expect(await throwing('a string')).toMatchObject({ retriable: true, error: { name: 'CustomError' } });
  });

  it('brands every Sluice error class with its own kind, inherited by subclasses', () => {
    expect(sluiceErrorKind(new errors.SluiceError('x'))).toBe('SluiceError');
    expect(sluiceErrorKind(new errors.ConfigError('x'))).toBe('ConfigError');
    expect(sluiceErrorKind(new (class extends ValidationError {})('x', []))).toBe('ValidationError');
    expect(sluiceErrorKind(new Error('x'))).toBeUndefined();
    expect(sluiceErrorKind(null)).toBeUndefined();
    expect(sluiceErrorKind('NonRetriableError')).toBeUndefined();
    expect(Object.keys(new NonRetriableError('x'))).not.toContain(SLUICE_ERROR_KIND.toString());
  });

  it('a delivery whose logic throws a subclass is dead-lettered after one attempt of five', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    let runs = 0;
    const process = {
      name: 'demo',
      timeoutMs: 5000,
      definition: buildProcessDefinition({ logics: [{ name: 'a', run: () => { runs++; throw new CustomerNotFound('none'); } }], aggregator: { name: 'agg', run: () => 1 } }),
    };
    const result = await runner.deliver(process, delivery({ maxAttempts: 5 }));
    expect(result.decision).toBe('dead-letter');
    expect(result.record).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'CustomerNotFound' } });
    expect(runs).toBe(1);
  });
});

describe('errorReply classifies by brand', () => {
  it('maps a subclass and another copy of a Sluice error to its status', async () => {
    expect(errorReply(new (class extends ValidationError {})('bad', [{ path: 'x', message: 'no' }])).status).toBe(400);
    const copy = await otherCopyOfErrors();
    expect(errorReply(new copy.UnknownProcessError('nope')).status).toBe(404);
    expect(errorReply(new copy.ThrottledError('busy')).status).toBe(429);
  });

  it('answers 500 without details for a plain Error named like a Sluice error', () => {
    const reply = errorReply(Object.assign(new Error('secret internals'), { name: 'ValidationError' }));
    expect(reply.status).toBe(500);
    expect(reply.body).not.toContain('secret');
  });
});

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    taskId: `t-${Math.random().toString(36).slice(2)}`,
    trigger: { type: 'api' },
    payload: { type: 'api', body: {} },
    createdAt: new Date().toISOString(),
    receiveCount: 1,
    maxAttempts: 3,
    ...overrides,
  };
}

describe('the railway, precisely', () => {
  it('skips a logic without handleError entirely once on the error track (no later run)', async () => {
    const calls: string[] = [];
    const outcome = await run(
      [
        { name: 'one', run: () => { calls.push('one.run'); } },
        { name: 'two', run: () => { calls.push('two.run'); throw new Error('broke'); } },
        { name: 'three', run: () => { calls.push('three.run'); } },
        { name: 'four', run: () => { calls.push('four.run'); }, handleError: (_ctx, e) => { calls.push(`four.handleError:${e.logic}`); } },
        { name: 'five', run: () => { calls.push('five.run'); } },
      ],
      { name: 'agg', run: () => { calls.push('agg.run'); return 'never'; } },
    );
    expect(calls).toEqual(['one.run', 'two.run', 'four.handleError:two']);
    // No handleError on the aggregator: no result, the logic error stands.
    expect(outcome).toMatchObject({ status: 'failed', retriable: true, error: { kind: 'logic', logic: 'two', message: 'broke' } });
    expect(outcome).not.toHaveProperty('result');
  });

  it('runs the failing logic\'s own handleError, and the aggregator\'s handleError gives the result', async () => {
    const calls: string[] = [];
    const outcome = await run(
      [{ name: 'only', run: () => { throw new Error('x'); }, handleError: () => { calls.push('only.handleError'); } }],
      { name: 'agg', run: () => 'never', handleError: (ctx) => { calls.push('agg.handleError'); return { executed: ctx.task.executedLogics }; } },
    );
    expect(calls).toEqual(['only.handleError', 'agg.handleError']);
    expect(outcome).toMatchObject({ status: 'failed', result: { executed: ['only'] } });
  });

  it('ends at once as a non-retriable system error when a handleError throws; nothing after it runs', async () => {
    const calls: string[] = [];
    const outcome = await run(
      [
        { name: 'a', run: () => { throw new Error('first'); } },
        { name: 'b', run: () => { calls.push('b.run'); }, handleError: () => { calls.push('b.handleError'); throw new RangeError('handler broke'); } },
        { name: 'c', run: () => { calls.push('c.run'); }, handleError: () => { calls.push('c.handleError'); } },
      ],
      { name: 'agg', run: () => 1, handleError: () => { calls.push('agg.handleError'); } },
    );
    expect(calls).toEqual(['b.handleError']);
    expect(outcome).toMatchObject({ status: 'failed', retriable: false, error: { kind: 'system', name: 'RangeError', logic: 'b' } });
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/handleError of logic 'b' threw: handler broke \(while handling: first\)/);
  });

  it('dead-letters a delivery whose handleError throws on its first attempt, running the handlers once', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    let handled = 0;
    const process = {
      name: 'demo',
      timeoutMs: 5000,
      definition: buildProcessDefinition({
        logics: [{ name: 'a', run: () => { throw new Error('first'); }, handleError: () => { handled++; throw new Error('second'); } }],
        aggregator: { name: 'agg', run: () => 1 },
      }),
    };
    const d = delivery({ maxAttempts: 5 });
    const result = await runner.deliver(process, d);
    expect(result.decision).toBe('dead-letter');
    expect(result.record).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system' } });
    // A redelivery (SQS redrive on AWS) runs nothing.
    const again = await runner.deliver(process, { ...d, receiveCount: 2 });
    expect(again).toMatchObject({ decision: 'dead-letter', ran: false });
    expect(handled).toBe(1);
  });
});
