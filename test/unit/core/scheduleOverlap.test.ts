import { describe, expect, it } from 'vitest';
import { decideOverlap } from '../../../lib/core/schedule/scheduleOverlap.js';

const running = { taskId: 'T', status: 'running' as const };

describe('decideOverlap (both runtimes)', () => {
  it.each([
    ['skip', undefined, undefined, { action: 'fire' }],
    ['skip', { taskId: 'T', status: 'succeeded' as const }, undefined, { action: 'fire' }],
    ['skip', { taskId: 'T', status: 'failed' as const }, undefined, { action: 'fire' }],
    ['skip', { taskId: 'T', status: undefined }, undefined, { action: 'fire' }],
    ['skip', running, undefined, { action: 'skip', reason: 'the previous task T is still running' }],
    ['skip', { taskId: 'T', status: 'queued' as const }, undefined, { action: 'skip', reason: 'the previous task T is still queued' }],
    ['buffer_one', running, undefined, { action: 'buffer', reason: 'the previous task T is still running' }],
    ['buffer_one', running, Date.parse('2026-06-05T10:02:00Z'), { action: 'skip', reason: 'the previous task T is still running and the firing due 2026-06-05T10:02:00.000Z is already waiting' }],
    ['buffer_one', undefined, undefined, { action: 'fire' }],
    ['allow', running, undefined, { action: 'fire' }],
  ] as const)('%s, previous %j, buffered %s -> %j', (policy, previous, buffered, expected) => {
    expect(decideOverlap(policy, previous, buffered)).toEqual(expected);
  });
});
