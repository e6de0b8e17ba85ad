import { describe, expect, it } from 'vitest';
import { idempotentTaskId, isTaskId, newTaskId, nextIdAfter, payloadHash, queueMessageTaskId, scheduleTaskId, taskIdTimeMs } from '../../../lib/core/task/taskIds.js';

describe('task ids', () => {
  it('are 30 base64url characters, unique, and sort by creation time', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newTaskId(1_700_000_000_000 + i * 7));
    for (const id of ids) expect(isTaskId(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carry 128 random bits after the time: ids of the same millisecond differ everywhere in the tail', () => {
    const a = newTaskId(5);
    const b = newTaskId(5);
    expect(a.slice(0, 8)).toBe(b.slice(0, 8));
    expect(a.slice(8)).not.toBe(b.slice(8));
  });

  it('derive the same id for the same identity, a different one for another', () => {
    expect(queueMessageTaskId('q', 'm1', 1000)).toBe(queueMessageTaskId('q', 'm1', 1000));
    expect(queueMessageTaskId('q', 'm1', 1000)).not.toBe(queueMessageTaskId('q', 'm2', 1000));
    expect(queueMessageTaskId('q', 'm1', 1000)).not.toBe(queueMessageTaskId('other', 'm1', 1000));
    expect(idempotentTaskId('p', 'k')).toBe(idempotentTaskId('p', 'k'));
    expect(idempotentTaskId('p', 'k')).not.toBe(idempotentTaskId('p2', 'k'));
    // Parts are separated: ('ab','c') is not ('a','bc').
    expect(idempotentTaskId('ab', 'c')).not.toBe(idempotentTaskId('a', 'bc'));
    const at = '2026-11-27T02:00:00.000Z';
    expect(scheduleTaskId('p', 'r', at)).toBe(scheduleTaskId('p', 'r', at));
    expect(scheduleTaskId('p', 'r', at) < scheduleTaskId('p', 'r', '2026-11-28T02:00:00.000Z')).toBe(true);
  });

  it('hash payloads canonically', () => {
    expect(payloadHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(payloadHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(payloadHash({ a: 1 })).not.toBe(payloadHash({ a: 2 }));
    expect(payloadHash({ a: 1, b: undefined })).toBe(payloadHash({ a: 1 }));
  });
});

describe('nextIdAfter', () => {
  it('is the next id of the same millisecond, carrying through full digits', () => {
    const id = newTaskId(Date.parse('2026-11-29T12:00:00Z'));
    const next = nextIdAfter(id);
    expect(next > id).toBe(true);
    expect(isTaskId(next)).toBe(true);
    expect(taskIdTimeMs(next)).toBe(taskIdTimeMs(id));
    const carried = nextIdAfter(`${id.slice(0, 26)}zzz${id[29]}`);
    expect(carried.slice(26, 29)).toBe('---');
    expect(carried.slice(0, 26) > id.slice(0, 26)).toBe(true);
    expect(carried[29]).toBe(id[29]);
  });

  it('refuses what is not a task id, and an all-ones tail', () => {
    expect(() => nextIdAfter('nope')).toThrow(RangeError);
    expect(() => nextIdAfter(`${newTaskId().slice(0, 8)}${'z'.repeat(21)}-`)).toThrow(/no id after/);
  });
});
