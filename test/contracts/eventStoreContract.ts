/**
 * The contract of the `EventStore` port and of event publication through
 * `TaskStore.save(record, events)`, for every implementation.
 *
 * Fixture: `createFixture({ clock })` is called before **each** test (every
 * test starts from an empty store) and must return
 *
 * - `store`: a `TaskStore` whose `save(record, events)` publishes `events`
 *   atomically with `record`;
 * - `events`: the `EventStore` reading what `store` published;
 * - `cleanup()`: called after the test.
 *
 * Both must read time from `clock` (a `ManualClock` starting at the real
 * time): the expiry case moves it past a record's `expiresAt`. Events are
 * built here, with createdAt times in the hour before the clock's start.
 *
 * @example
 * describeEventStoreContract('MemoryEventStore', async ({ clock }) => {
 *   const store = new MemoryTaskStore(clock);
 *   return { store, events: store.events, cleanup: async () => {} };
 * });
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/core/errors.js';
import type { DataEvent, EventQuery } from '../../lib/core/events/DataEvent.js';
import { encodeCursor } from '../../lib/core/pageCursor.js';
import type { EventStore } from '../../lib/core/ports/EventStore.js';
import type { TaskStore } from '../../lib/core/ports/TaskStore.js';
import type { TaskRecord } from '../../lib/core/task/TaskRecord.js';
import { newTaskId } from '../../lib/core/task/taskIds.js';
import { isoTime } from '../../lib/core/time/isoTime.js';
import { ManualClock } from '../../lib/testing/ManualClock.js';

export interface EventStoreFixture {
  store: TaskStore;
  events: EventStore;
  cleanup(): Promise<void>;
}

/** Newest first, as the port orders: `createdAt`, then `eventId`, both descending. */
const newestFirst = (events: readonly DataEvent[]) =>
  [...events].sort((a, b) => (a.createdAt === b.createdAt ? (a.eventId < b.eventId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));

export function describeEventStoreContract(name: string, createFixture: (context: { clock: ManualClock }) => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let clock: ManualClock;
    let fx: EventStoreFixture;
    let base: number;
    beforeEach(async () => {
      clock = new ManualClock(Date.now());
      base = clock.now() - 3_600_000;
      fx = await createFixture({ clock });
    });
    afterEach(async () => {
      await fx?.cleanup();
    });

    /** An event `offsetMs` after the hour before now, of task `taskId`. */
    function event(offsetMs: number, overrides: Partial<DataEvent> = {}): DataEvent {
      const ms = base + offsetMs;
      return {
        eventId: newTaskId(ms),
        label: 'orders.loaded',
        source: 's3://landing/orders.csv',
        target: 'postgres://warehouse/public.orders',
        sequence: 0,
        createdAt: isoTime(ms),
        taskId: 'task-a',
        process: 'loader',
        logic: 'load',
        attempt: 1,
        depth: 0,
        ...overrides,
      };
    }

    function finalRecord(taskId: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
      const now = clock.now();
      return {
        taskId,
        process: 'loader',
        status: 'succeeded',
        trigger: { type: 'api' },
        createdAt: isoTime(now - 1000),
        startedAt: isoTime(now - 900),
        finishedAt: isoTime(now),
        attempts: 1,
        logs: [],
        result: { ok: true },
        expiresAt: Math.floor(now / 1000) + 3600,
        ...overrides,
      };
    }

    /** Saves one final record per task of `events` (at most 99 events each), with its events. */
    async function publish(events: readonly DataEvent[]): Promise<void> {
      const byTask = new Map<string, DataEvent[]>();
      for (const e of events) byTask.set(e.taskId, [...(byTask.get(e.taskId) ?? []), e]);
      for (const [taskId, own] of byTask) {
        for (let i = 0; i < own.length; i += 99) {
          const part = own.slice(i, i + 99);
          const outcome = await fx.store.save(finalRecord(i === 0 ? taskId : `${taskId}-${i}`), part);
          expect(outcome).toEqual({ saved: true });
        }
      }
    }

    /** Every page of `query`, checking each page's size. */
    async function allPages(query: Omit<EventQuery, 'cursor'>): Promise<{ items: DataEvent[]; pages: number }> {
      const items: DataEvent[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await fx.events.search({ ...query, ...(cursor !== undefined ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(query.limit);
        items.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
        if (pages > 1000) throw new Error('endless pagination');
      } while (cursor !== undefined);
      return { items, pages };
    }

    /** A varied set: two tasks of two processes, three labels, sources and targets chained a → b → c. */
    function lineageSet(): DataEvent[] {
      return [
        event(1000, { label: 'orders.extracted', source: 'crm://orders', target: 's3://landing/orders.csv', taskId: 'task-a', process: 'extract', sequence: 0 }),
        event(2000, { label: 'orders.loaded', source: 's3://landing/orders.csv', target: 'postgres://warehouse/public.orders', taskId: 'task-b', sequence: 0, meta: { rows: 10 }, type: 'load' }),
        event(3000, { label: 'orders.loaded', source: 's3://landing/returns.csv', target: 'postgres://warehouse/public.orders', taskId: 'task-b', sequence: 1 }),
        event(4000, { label: 'orders.rolled', source: 'postgres://warehouse/public.orders', target: 'postgres://warehouse/public.daily', taskId: 'task-c', process: 'rollup', sequence: 0 }),
        event(5000, { label: 'orders.loaded', source: 's3://landing/orders.csv', target: 'postgres://warehouse/public.orders', taskId: 'task-d', sequence: 0 }),
      ];
    }

    describe('publication', () => {
      it('publishes the events of a saved record, readable by id and by task, unchanged', async () => {
        const events = [
          event(1000, { sequence: 0, meta: { rows: 120, file: { checksum: 'abc', parts: [1, 2] }, unicode: 'naïve — 東京' }, type: 'load' }),
          event(2000, { sequence: 1 }),
        ];
        expect(await fx.store.save(finalRecord('task-a'), events)).toEqual({ saved: true });
        expect(await fx.events.get(events[0]!.eventId)).toEqual(events[0]);
        expect(await fx.events.get(events[1]!.eventId)).toEqual(events[1]);
        expect((await fx.events.search({ taskId: 'task-a', limit: 10 })).items).toEqual(newestFirst(events));
        expect(await fx.store.get('task-a')).toMatchObject({ status: 'succeeded' });
      });

      it('publishes when a queued record is saved final', async () => {
        await fx.store.create(finalRecord('task-q', { status: 'queued', attempts: 0 }));
        const e = event(1000, { taskId: 'task-q' });
        expect(await fx.store.save(finalRecord('task-q', { status: 'failed', error: { kind: 'logic', name: 'Error', message: 'x' } }), [e])).toEqual({ saved: true });
        expect(await fx.events.get(e.eventId)).toEqual(e);
      });

      it('publishes nothing when the save is refused because the stored record is terminal', async () => {
        const first = event(1000);
        await publish([first]);
        const late = [event(2000, { sequence: 0 }), event(2000, { sequence: 1 })];
        const outcome = await fx.store.save(finalRecord('task-a', { status: 'failed', error: { kind: 'logic', name: 'Error', message: 'late' } }), late);
        expect(outcome.saved).toBe(false);
        expect(outcome.saved === false && outcome.current.status).toBe('succeeded');
        for (const e of late) expect(await fx.events.get(e.eventId)).toBeUndefined();
        expect((await fx.events.search({ taskId: 'task-a', limit: 10 })).items).toEqual([first]);
        expect((await fx.events.search({ limit: 10 })).items).toEqual([first]);
      });

      it('publishes up to 99 events with one record', async () => {
        const events = Array.from({ length: 99 }, (_, i) => event(i, { sequence: i }));
        expect(await fx.store.save(finalRecord('task-a'), events)).toEqual({ saved: true });
        expect((await allPages({ taskId: 'task-a', limit: 100 })).items).toEqual(newestFirst(events));
      });
    });

    describe('search', () => {
      it('lists every event newest first, ties on createdAt by eventId', async () => {
        const tied = [event(7000, { eventId: `${newTaskId(base + 7000).slice(0, 8)}${'A'.repeat(22)}` }), event(7000, { eventId: `${newTaskId(base + 7000).slice(0, 8)}${'B'.repeat(22)}`, taskId: 'task-t' })];
        const all = [...lineageSet(), ...tied];
        await publish(all);
        const page = await fx.events.search({ limit: 100 });
        expect(page.items).toEqual(newestFirst(all));
        expect(page.items.slice(0, 2).map((e) => e.eventId)).toEqual([tied[1]!.eventId, tied[0]!.eventId]);
        expect(page.nextCursor).toBeUndefined();
      });

      it('filters by each field alone', async () => {
        const all = lineageSet();
        await publish(all);
        const expectFilter = async (filter: Partial<EventQuery>, predicate: (e: DataEvent) => boolean) => {
          const expected = newestFirst(all.filter(predicate));
          expect(expected.length).toBeGreaterThan(0);
          expect((await fx.events.search({ ...filter, limit: 100 })).items, JSON.stringify(filter)).toEqual(expected);
        };
        await expectFilter({ label: 'orders.loaded' }, (e) => e.label === 'orders.loaded');
        await expectFilter({ source: 's3://landing/orders.csv' }, (e) => e.source === 's3://landing/orders.csv');
        await expectFilter({ target: 'postgres://warehouse/public.orders' }, (e) => e.target === 'postgres://warehouse/public.orders');
        await expectFilter({ process: 'rollup' }, (e) => e.process === 'rollup');
        await expectFilter({ taskId: 'task-b' }, (e) => e.taskId === 'task-b');
        await expectFilter({ since: isoTime(base + 3000) }, (e) => e.createdAt >= isoTime(base + 3000));
        await expectFilter({ until: isoTime(base + 3000) }, (e) => e.createdAt < isoTime(base + 3000));
        expect((await fx.events.search({ label: 'orders.unknown', limit: 10 })).items).toEqual([]);
      });

      it('combines filters: every one must match', async () => {
        const all = lineageSet();
        await publish(all);
        const cases: Array<[Partial<EventQuery>, (e: DataEvent) => boolean]> = [
          [{ label: 'orders.loaded', source: 's3://landing/orders.csv' }, (e) => e.label === 'orders.loaded' && e.source === 's3://landing/orders.csv'],
          [{ target: 'postgres://warehouse/public.orders', taskId: 'task-b' }, (e) => e.target === 'postgres://warehouse/public.orders' && e.taskId === 'task-b'],
          [{ source: 's3://landing/orders.csv', target: 'postgres://warehouse/public.orders', process: 'loader' }, (e) => e.source === 's3://landing/orders.csv' && e.target === 'postgres://warehouse/public.orders' && e.process === 'loader'],
          [{ label: 'orders.loaded', since: isoTime(base + 2000), until: isoTime(base + 5000) }, (e) => e.label === 'orders.loaded' && e.createdAt >= isoTime(base + 2000) && e.createdAt < isoTime(base + 5000)],
          [{ process: 'loader', since: isoTime(base + 2500) }, (e) => e.process === 'loader' && e.createdAt >= isoTime(base + 2500)],
          [{ since: isoTime(base + 2000), until: isoTime(base + 4000) }, (e) => e.createdAt >= isoTime(base + 2000) && e.createdAt < isoTime(base + 4000)],
        ];
        for (const [filter, predicate] of cases) {
          const expected = newestFirst(all.filter(predicate));
          expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
          expect((await fx.events.search({ ...filter, limit: 100 })).items, JSON.stringify(filter)).toEqual(expected);
        }
        expect((await fx.events.search({ label: 'orders.rolled', taskId: 'task-b', limit: 10 })).items).toEqual([]);
        expect((await fx.events.search({ since: isoTime(base + 5000), until: isoTime(base + 5000), limit: 10 })).items).toEqual([]);
        // A reversed window is refused naming until, as on every time filter.
        await expect(fx.events.search({ since: isoTime(base + 6000), until: isoTime(base + 1000), limit: 10 })).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'until' }] });
      });

      it('takes any ISO-8601 instant for since and until', async () => {
        const all = lineageSet();
        await publish(all);
        const offset = new Date(base + 3000).toISOString().replace('Z', '+00:00');
        expect((await fx.events.search({ since: offset, limit: 10 })).items).toEqual(newestFirst(all.filter((e) => e.createdAt >= isoTime(base + 3000))));
      });

      it('pages through 250 events with a cursor, without gaps or repeats', async () => {
        const all = Array.from({ length: 250 }, (_, i) => event(i * 10, { taskId: `task-${Math.floor(i / 99)}`, sequence: i % 99, label: i % 3 === 0 ? 'orders.tick' : 'orders.tock', ...(i % 50 === 0 ? { process: 'rare' } : {}) }));
        await publish(all);
        const full = await allPages({ limit: 100 });
        expect(full.pages).toBe(3);
        expect(full.items.map((e) => e.eventId)).toEqual(newestFirst(all).map((e) => e.eventId));
        const small = await allPages({ limit: 7 });
        expect(small.items.map((e) => e.eventId)).toEqual(newestFirst(all).map((e) => e.eventId));
        const filtered = await allPages({ label: 'orders.tick', limit: 9 });
        expect(filtered.items.map((e) => e.eventId)).toEqual(newestFirst(all.filter((e) => e.label === 'orders.tick')).map((e) => e.eventId));
        const window = await allPages({ since: isoTime(base + 500), until: isoTime(base + 2000), limit: 11 });
        expect(window.items.map((e) => e.eventId)).toEqual(newestFirst(all.filter((e) => e.createdAt >= isoTime(base + 500) && e.createdAt < isoTime(base + 2000))).map((e) => e.eventId));
        const sparse = await allPages({ label: 'orders.tick', process: 'loader', source: 's3://landing/orders.csv', limit: 100 });
        expect(sparse.items).toHaveLength(all.filter((e) => e.label === 'orders.tick' && e.process === 'loader').length);
        // Three matches among 250: a store that reads a bounded amount per page may answer short (even empty) pages, with cursors.
        const rare = await allPages({ label: 'orders.tock', process: 'rare', limit: 2 });
        expect(rare.items.map((e) => e.eventId)).toEqual(newestFirst(all.filter((e) => e.label === 'orders.tock' && e.process === 'rare')).map((e) => e.eventId));
      });

      it('gives a last full page no cursor', async () => {
        await publish([event(1000), event(2000), event(3000)]);
        const page = await fx.events.search({ limit: 3 });
        expect(page.items).toHaveLength(3);
        expect(page.nextCursor).toBeUndefined();
      });

      it('refuses a limit outside 1..100, a malformed cursor or time with a ValidationError', async () => {
        for (const limit of [0, 101, 1.5, -1]) await expect(fx.events.search({ limit })).rejects.toBeInstanceOf(ValidationError);
        for (const cursor of ['not a cursor', encodeCursor({ page: 2 }), encodeCursor(['yesterday'])]) {
          await expect(fx.events.search({ limit: 10, cursor })).rejects.toBeInstanceOf(ValidationError);
        }
        for (const time of ['yesterday', '2026-13-45T99:00:00Z', '']) {
          await expect(fx.events.search({ limit: 10, since: time })).rejects.toBeInstanceOf(ValidationError);
          await expect(fx.events.search({ limit: 10, until: time })).rejects.toBeInstanceOf(ValidationError);
        }
      });

      it('finds identities of 1024 characters of any script', async () => {
        const long = `s3://landing/${'東'.repeat(1011)}`;
        expect(long).toHaveLength(1024);
        const e = event(1000, { source: long, target: long.replace('landing', 'curated') });
        const other = event(2000);
        await publish([e, other]);
        expect((await fx.events.search({ source: long, limit: 10 })).items).toEqual([e]);
        expect((await fx.events.search({ target: e.target, label: e.label, limit: 10 })).items).toEqual([e]);
        expect(await fx.events.edges(long, 'downstream', 10)).toEqual([e]);
        expect(await fx.events.get(e.eventId)).toEqual(e);
      });
    });

    describe('get and edges', () => {
      it('gets undefined for an unknown event', async () => {
        expect(await fx.events.get(newTaskId())).toBeUndefined();
      });

      it('walks one step upstream (events into a node) and downstream (events out of it), newest first, up to a limit', async () => {
        const all = lineageSet();
        await publish(all);
        const node = 'postgres://warehouse/public.orders';
        const upstream = newestFirst(all.filter((e) => e.target === node));
        expect(await fx.events.edges(node, 'upstream', 100)).toEqual(upstream);
        expect(await fx.events.edges(node, 'upstream', 2)).toEqual(upstream.slice(0, 2));
        expect(await fx.events.edges(node, 'downstream', 100)).toEqual(all.filter((e) => e.source === node));
        expect(await fx.events.edges('crm://orders', 'upstream', 10)).toEqual([]);
        for (const limit of [0, 1001, 2.5]) await expect(fx.events.edges(node, 'upstream', limit)).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('expiry', () => {
      it('expires events with their task record', async () => {
        const nowSec = Math.floor(clock.now() / 1000);
        const short = event(1000, { taskId: 'task-short' });
        const long = event(2000, { taskId: 'task-long' });
        await fx.store.save(finalRecord('task-short', { expiresAt: nowSec + 60 }), [short]);
        await fx.store.save(finalRecord('task-long', { expiresAt: nowSec + 7200 }), [long]);
        expect((await fx.events.search({ limit: 10 })).items).toEqual([long, short]);

        await clock.advance(61_000);
        expect(await fx.events.get(short.eventId)).toBeUndefined();
        expect(await fx.events.get(long.eventId)).toEqual(long);
        expect((await fx.events.search({ limit: 10 })).items).toEqual([long]);
        expect((await fx.events.search({ taskId: 'task-short', limit: 10 })).items).toEqual([]);
        expect(await fx.events.edges(short.target, 'upstream', 10)).toEqual([long]);
      });
    });
  });
}
