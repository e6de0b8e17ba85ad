/**
 * Rules of the core that mutation testing (README, "Testing") found unpinned:
 * each assertion here killed a mutant that every other test let through.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { TaskLogBuffer } from '../../../lib/core/execution/TaskLogBuffer.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import { validateInput } from '../../../lib/core/process/validateInput.js';
import { inputOf } from '../../../lib/core/task/Payload.js';
import { isTerminal, TASK_STATUSES, TERMINAL_STATUSES } from '../../../lib/core/task/TaskRecord.js';
import { idempotentTaskId, newTaskId, payloadHash, queueMessageTaskId, scheduleTaskId } from '../../../lib/core/task/taskIds.js';

const agg = { name: 'agg', run: () => 1 };
const logic = { name: 'a', run: () => undefined };

describe('buildProcessDefinition refuses unusable declarations, naming the process and the problem', () => {
  const refuses = (spec: unknown, message: string) => expect(() => buildProcessDefinition(spec as never)).toThrow(expect.objectContaining({ name: 'ConfigError', message }));

  it('names', () => {
    refuses({ name: 'bad name', logics: [logic], aggregator: agg }, "process 'bad name': name must be 1-128 letters, digits, '-' or '_', starting with a letter or digit");
    refuses({ name: '', logics: [logic], aggregator: agg }, "process: name must be 1-128 letters, digits, '-' or '_', starting with a letter or digit");
    refuses({ name: 'x'.repeat(129), logics: [logic], aggregator: agg }, expect.stringContaining('name must be 1-128') as never);
    expect(buildProcessDefinition({ name: 'x'.repeat(128), logics: [logic], aggregator: agg }).name).toHaveLength(128);
    expect(buildProcessDefinition({ logics: [logic], aggregator: agg }).name).toBeUndefined();
  });

  it('the aggregator', () => {
    refuses({ name: 'p', logics: [logic] }, "process 'p': needs an 'aggregator' with a run(ctx) function");
    refuses({ name: 'p', logics: [logic], aggregator: { name: 'agg' } }, "process 'p': needs an 'aggregator' with a run(ctx) function");
    refuses({ logics: [logic], aggregator: { name: '', run: () => 1 } }, "process: every logic needs a non-empty 'name'");
  });

  it('logic names, run and handleError', () => {
    refuses({ name: 'p', logics: [null], aggregator: agg }, "process 'p': every logic needs a non-empty 'name'");
    refuses({ name: 'p', logics: [{ run: () => 1 }], aggregator: agg }, "process 'p': every logic needs a non-empty 'name'");
    refuses({ name: 'p', logics: [{ name: 7, run: () => 1 }], aggregator: agg }, "process 'p': every logic needs a non-empty 'name'");
    refuses({ name: 'p', logics: [{ name: '', run: () => 1 }], aggregator: agg }, "process 'p': every logic needs a non-empty 'name'");
    refuses({ name: 'p', logics: [{ name: 'a' }], aggregator: agg }, "process 'p': logic 'a' needs a run(ctx) function");
    refuses({ name: 'p', logics: [{ name: 'a', run: () => 1, handleError: 'no' }], aggregator: agg }, "process 'p': logic 'a' has a handleError that is not a function");
    refuses({ name: 'p', logics: [logic, { ...logic }], aggregator: agg }, "process 'p': two logics are named 'a'");
    refuses({ name: 'p', logics: [{ ...logic, name: 'agg' }], aggregator: agg }, "process 'p': two logics are named 'agg'");
    expect(buildProcessDefinition({ name: 'p', logics: [{ ...logic, handleError: () => undefined }], aggregator: agg }).logics).toHaveLength(1);
  });
});

describe('validateInput', () => {
  it('lists every offending field by dotted path, (root) for the value itself, in the message too', () => {
    const schema = z.object({ a: z.object({ b: z.number() }), c: z.array(z.string()) });
    let thrown: unknown;
    try {
      validateInput(schema, { a: { b: 'x' }, c: [1] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'ValidationError', issues: [{ path: 'a.b' }, { path: 'c.0' }], cause: expect.any(z.ZodError) });
    expect((thrown as Error).message).toMatch(/^input does not match the schema: a\.b: .+; c\.0: .+$/);
    expect(() => validateInput(z.string(), 5)).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: '(root)' })], message: expect.stringMatching(/^input does not match the schema: \(root\): /) }));
  });

  it('returns the parsed value, or the value itself without a schema', () => {
    expect(validateInput(z.object({ n: z.coerce.number() }), { n: '3' })).toEqual({ n: 3 });
    const value = { any: 'thing' };
    expect(validateInput(undefined, value)).toBe(value);
  });
});

describe('task statuses', () => {
  it('succeeded, failed, timed_out and cancelled are terminal; queued and running are not', () => {
    expect(TASK_STATUSES.filter(isTerminal)).toEqual(['succeeded', 'failed', 'timed_out', 'cancelled']);
    expect(TERMINAL_STATUSES).toEqual(TASK_STATUSES.filter(isTerminal));
    expect(TASK_STATUSES.filter((s) => !isTerminal(s))).toEqual(['queued', 'running']);
  });
});

describe('payloadHash (idempotency)', () => {
  it('tells apart values whose loose JSON forms could collide', () => {
    const distinct = [[1, 2], { 0: 1, 1: 2 }, '[1,2]', [[1], 2], [1, [2]], { a: [1] }, { a: { 0: 1 } }, null, [], {}, '', 0, false, [null], { a: null }];
    const hashes = distinct.map(payloadHash);
    expect(new Set(hashes).size).toBe(distinct.length);
  });

  it('ignores key order at every depth, and not array order', () => {
    const keys = 'kjihgfedcba'.split('');
    const forward = Object.fromEntries(keys.map((k, i) => [k, i]));
    const backward = Object.fromEntries([...keys].reverse().map((k) => [k, forward[k]]));
    expect(payloadHash({ x: [forward] })).toBe(payloadHash({ x: [backward] }));
    expect(payloadHash([1, 2])).not.toBe(payloadHash([2, 1]));
    expect(payloadHash(undefined)).toBe(payloadHash(null));
  });
});

describe('task ids', () => {
  it('stay unique past the 256 ids one random pool serves, within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newTaskId(1_764_410_000_000));
    expect(new Set(ids).size).toBe(1000);
    expect(new Set(ids.map((id) => id.slice(8))).size).toBe(1000);
  });

  it('derive exactly the ids earlier versions derived: a retried submission after an upgrade must find its task', () => {
    expect(idempotentTaskId('orders', 'key-1')).toBe('--------Rjus81Y5umVOHcTVep_ngk');
    expect(queueMessageTaskId('q', 'm-1', 1_764_410_000_000)).toBe('-OfE1-9-uvmkZdzbEPLhLL4lQkdUsF');
    expect(scheduleTaskId('p', 'r', '2026-11-27T02:00:00.000Z')).toBe('-P7Pilo-NaBETD3IT5W6rd99wsJNn-');
  });
});

describe('inputOf', () => {
  it('is the body, the query when an HTTP request has none, and the declared input of a schedule', () => {
    const http = { type: 'http', method: 'GET', path: '/x', route: '/x', pathParameters: {}, query: { q: '1' }, headers: {} } as const;
    expect(inputOf({ ...http, body: undefined })).toEqual({ q: '1' });
    expect(inputOf({ ...http, body: null })).toBeNull();
    expect(inputOf({ type: 'schedule', rule: 'r', scheduledTime: 't', input: { kind: 'full' } })).toEqual({ kind: 'full' });
    expect(inputOf({ type: 'api', body: [1] })).toEqual([1]);
    expect(inputOf({ type: 'queue', queue: 'q', messageId: 'm', body: 'raw', attributes: {}, receiveCount: 1, sentAt: 't' })).toBe('raw');
  });
});

describe('task log lines', () => {
  it('keep every level, text for non-string messages, and JSON-safe data', () => {
    const buffer = new TaskLogBuffer(() => 0);
    const log = buffer.loggerFor('extract');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    buffer.append('info', 42 as unknown as string);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    buffer.append('info', 'data', { error: new TypeError('inner'), n: 10n });
    buffer.append('info', 'cyclic', cyclic);
    buffer.append('info', 'fn', () => 1);
    expect(buffer.freeze().map(({ time: _t, ...rest }) => rest)).toEqual([
      { level: 'debug', logic: 'extract', message: 'd' },
      { level: 'info', logic: 'extract', message: 'i' },
      { level: 'warn', logic: 'extract', message: 'w' },
      { level: 'error', logic: 'extract', message: 'e' },
      { level: 'info', message: '42' },
      { level: 'info', message: 'data', data: { error: { name: 'TypeError', message: 'inner' }, n: '10' } },
      { level: 'info', message: 'cyclic', data: '[object Object]' },
      { level: 'info', message: 'fn', data: '() => 1' },
    ]);
  });

  it('take nothing once frozen, and freeze adds the marker once', () => {
    const buffer = new TaskLogBuffer(() => 0, { maxLines: 2, maxChars: 100 });
    buffer.append('info', 'a');
    buffer.append('info', 'b');
    expect(buffer.freeze()).toHaveLength(2);
    buffer.append('info', 'late');
    expect(buffer.freeze().map((e) => e.message)).toEqual(['a', '1 log line(s) dropped: a task keeps at most 2 lines / 100 characters']);
  });
});
