import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../lib/core/errors.js';
import { exportOpenLineage } from '../../../../lib/core/openlineage/exportOpenLineage.js';
import { runIdOf } from '../../../../lib/core/openlineage/runIdOf.js';
import { MemoryTaskStore } from '../../../../lib/testing/MemoryTaskStore.js';
import { dataEvent, runEventValidator, SOURCE, task } from './openLineageFixtures.js';

const validate = runEventValidator();

/** Tasks created a minute apart (minute 0 oldest), saved with their events. */
async function seeded() {
  const store = new MemoryTaskStore();
  const done = task('succeeded', {}, 0);
  const failed = task('failed', { error: { kind: 'logic', name: 'Error', message: 'boom' } }, 1);
  const queued = task('queued', {}, 2);
  const running = task('running', {}, 3);
  const latest = task('succeeded', {}, 4);
  await store.save(done, [dataEvent(done, 0, 's3://landing/a.csv', 'postgres://warehouse:5432/analytics.public.a')]);
  await store.save(failed, [dataEvent(failed, 0, 'https://api.example.com/customers', 'warehouse.public.customers')]);
  await store.save(queued);
  await store.save(running);
  await store.save(latest, [dataEvent(latest, 0, 'mysql://db.example.com:3306/shop.orders', 'file:///data/orders.csv')]);
  return { store, stores: { tasks: store, events: store.events }, done, failed, queued, running, latest };
}

describe('exportOpenLineage', () => {
  it('walks tasks newest first, each as its run events with its datasets, all valid RunEvents', async () => {
    const { stores, done, failed, running, latest } = await seeded();
    const page = await exportOpenLineage(stores, { limit: 100 }, SOURCE);
    expect(page.nextCursor).toBeUndefined();
    expect(page.items.map((e) => [e.run.runId, e.eventType])).toEqual([
      [runIdOf(latest.taskId), 'START'],
      [runIdOf(latest.taskId), 'COMPLETE'],
      [runIdOf(running.taskId), 'START'],
      [runIdOf(failed.taskId), 'START'],
      [runIdOf(failed.taskId), 'FAIL'],
      [runIdOf(done.taskId), 'START'],
      [runIdOf(done.taskId), 'COMPLETE'],
    ]);
    expect(page.items[1]).toMatchObject({
      inputs: [{ namespace: 'mysql://db.example.com:3306', name: 'shop.orders' }],
      outputs: [{ namespace: 'file', name: '/data/orders.csv' }],
    });
    expect(page.items[4]).toMatchObject({
      inputs: [{ namespace: 'https://api.example.com', name: '/customers' }],
      outputs: [{ namespace: 'shop-prod', name: 'warehouse.public.customers' }],
    });
    for (const event of page.items) expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
  });

  it('pages by tasks with the task list’s cursor, deterministically', async () => {
    const { stores } = await seeded();
    const first = await exportOpenLineage(stores, { limit: 2 }, SOURCE);
    expect(first.items.map((e) => e.eventType)).toEqual(['START', 'COMPLETE', 'START']);
    expect(first.nextCursor).toBeDefined();
    const again = await exportOpenLineage(stores, { limit: 2 }, SOURCE);
    expect(again).toEqual(first);
    const second = await exportOpenLineage(stores, { limit: 2, cursor: first.nextCursor! }, SOURCE);
    expect(second.items.map((e) => e.eventType)).toEqual(['START', 'FAIL']); // failed, then the queued task (nothing)
    const third = await exportOpenLineage(stores, { limit: 2, cursor: second.nextCursor! }, SOURCE);
    expect(third.items.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    expect(third.nextCursor).toBeUndefined();
    const all = await exportOpenLineage(stores, { limit: 100 }, SOURCE);
    expect([...first.items, ...second.items, ...third.items]).toEqual(all.items);
  });

  it('stops at the first task created before `since` (any ISO-8601 offset), without a cursor', async () => {
    const { stores, running, latest } = await seeded();
    const page = await exportOpenLineage(stores, { limit: 100, since: running.createdAt.replace('Z', '+00:00') }, SOURCE);
    expect(new Set(page.items.map((e) => e.run.runId))).toEqual(new Set([runIdOf(latest.taskId), runIdOf(running.taskId)]));
    // A full page cannot know that the next task is older than `since`: its cursor leads to an empty last page.
    const limited = await exportOpenLineage(stores, { limit: 2, since: running.createdAt }, SOURCE);
    expect(limited.items).toHaveLength(3);
    expect(await exportOpenLineage(stores, { limit: 2, since: running.createdAt, cursor: limited.nextCursor! }, SOURCE)).toEqual({ items: [] });
    const stopped = await exportOpenLineage(stores, { limit: 3, since: running.createdAt }, SOURCE);
    expect(stopped.nextCursor).toBeUndefined();
    const dayOnly = await exportOpenLineage(stores, { limit: 100, since: '2026-11-30' }, SOURCE);
    expect(dayOnly).toEqual({ items: [] });
  });

  it.each(['yesterday', '2026-11-29T10:00:00', '2026-13-45T00:00:00Z', ''])('refuses since=%j with a ValidationError naming `since`', async (since) => {
    const { stores } = await seeded();
    const error = await exportOpenLineage(stores, { limit: 10, since }, SOURCE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'since', message: expect.any(String) }]);
  });

  it.each([0, 101, 1.5])('refuses limit %d with a ValidationError naming `limit`', async (limit) => {
    const { stores } = await seeded();
    const error = await exportOpenLineage(stores, { limit }, SOURCE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]!.path).toBe('limit');
  });
});
