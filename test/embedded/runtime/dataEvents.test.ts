import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/events/serverless.yml');
const ORDERS = 'postgres://warehouse/public.orders';
const TOTALS = 'postgres://warehouse/public.order_totals';

/** Data events on the embedded runtime: published with the final record, chained to subscribers, walked as lineage. */
describe('data events and chaining on the embedded runtime', () => {
  let h: Harness;
  const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
  beforeAll(async () => {
    h = await startHarness({ configPath: CONFIG, clock });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function submit(payload: unknown): Promise<string> {
    const reply = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'load', payload } });
    expect(reply.status).toBe(202);
    return reply.body.taskId as string;
  }

  /** The tasks of `process` started by an event of `taskId`. */
  async function subscribersOf(process: string, taskId: string, count = 1): Promise<TaskRecord[]> {
    const events = (await h.call(`/sluice/events?taskId=${taskId}`)).body.items as Array<{ eventId: string }>;
    return eventually(async () => {
      const listed = (await h.call(`/sluice/tasks?process=${process}&limit=100`)).body.items as TaskRecord[];
      const mine = listed.filter((t) => t.trigger.type === 'event' && events.some((e) => e.eventId === (t.trigger as { eventId: string }).eventId));
      if (mine.length < count) return undefined;
      const finished = await Promise.all(mine.map((t) => h.waitForTask(t.taskId)));
      return finished;
    }, { what: `${count} task(s) of ${process} started by ${taskId}` });
  }

  it('publishes a task\'s events with its final record and starts one task per matching subscription', async () => {
    const taskId = await submit({});
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'succeeded', result: { ownEventsSeen: 1 } });

    const events = await h.call(`/sluice/events?taskId=${taskId}`);
    expect(events.status).toBe(200);
    expect(events.body.items).toHaveLength(1);
    const [event] = events.body.items;
    expect(event).toMatchObject({ label: 'orders.loaded', source: 's3://landing/orders.csv', target: ORDERS, meta: { rows: 3, attempt: 1 }, taskId, process: 'load', logic: 'land', attempt: 1, sequence: 0, depth: 0 });
    expect((await h.call(`/sluice/events/${event.eventId}`)).body).toEqual(event);

    const [refresh] = await subscribersOf('refresh', taskId);
    expect(refresh).toMatchObject({ status: 'succeeded', trigger: { type: 'event', eventId: event.eventId, label: 'orders.loaded', depth: 1 }, result: { from: 'orders.loaded', eventId: event.eventId, depth: 0, publishedOrders: 1 } });
    // The subscriber declares an input schema: its input is the event's meta, validated.
    const [audit] = await subscribersOf('audit', taskId);
    expect(audit).toMatchObject({ status: 'succeeded', result: { rows: 3, attempt: 1 } });

    // The refresh's own event, depth 1, triggers nothing (nobody subscribes to totals.*).
    const refreshed = (await h.call(`/sluice/events?taskId=${refresh!.taskId}`)).body.items;
    expect(refreshed).toMatchObject([{ label: 'totals.refreshed', source: ORDERS, target: TOTALS, depth: 1, process: 'refresh' }]);

    const lineage = await h.call(`/sluice/lineage?node=${encodeURIComponent(TOTALS)}&direction=upstream&depth=5`);
    expect(lineage.status).toBe(200);
    expect(lineage.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual(expect.arrayContaining(['s3://landing/orders.csv', ORDERS, TOTALS]));
    expect(lineage.body.edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 's3://landing/orders.csv', target: ORDERS, taskId, process: 'load', label: 'orders.loaded' }),
        expect.objectContaining({ source: ORDERS, target: TOTALS, taskId: refresh!.taskId, process: 'refresh' }),
      ]),
    );
    const byTask = await h.call(`/sluice/lineage?taskId=${taskId}`);
    expect(byTask.body).toEqual({ nodes: expect.arrayContaining([{ id: 's3://landing/orders.csv' }, { id: ORDERS }]), edges: [expect.objectContaining({ eventId: event.eventId })] });
    // A task id nobody has is a 404, not an empty graph.
    const unknown = await h.call(`/sluice/lineage?taskId=${taskId.slice(0, -4)}zzzz`);
    expect(unknown).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });

  it('publishes nothing for a retried attempt: the events of the attempt that ends the task, once', async () => {
    const taskId = await submit({ failFirst: true });
    await h.waitForTask(taskId, (t) => t.status === 'queued' && t.attempts === 1);
    expect((await h.call(`/sluice/events?taskId=${taskId}`)).body.items).toEqual([]);
    // Its retry delay (60 s, see the fixture) brings the message back.
    await clock.advance(61_000);
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'succeeded', attempts: 2 });
    const events = (await h.call(`/sluice/events?taskId=${taskId}`)).body.items;
    expect(events).toMatchObject([{ attempt: 2, meta: { attempt: 2 } }]);
    const refreshes = await subscribersOf('refresh', taskId);
    expect(refreshes).toHaveLength(1);
  });

  it('stops a loop at the chain depth limit, storing the last event and warning in its task', async () => {
    const taskId = await submit({ loop: true });
    await h.waitForTask(taskId);
    // load (depth 0) → pong 1 → ping 2 → pong 3 → ping 4: its event is stored but starts nothing.
    const chain: TaskRecord[] = [];
    let from = taskId;
    for (const [process, depth] of [['pong', 1], ['ping', 2], ['pong', 3], ['ping', 4]] as const) {
      const [next] = await subscribersOf(process, from);
      expect(next).toMatchObject({ status: 'succeeded', trigger: { depth } });
      chain.push(next!);
      from = next!.taskId;
    }
    const last = chain[chain.length - 1]!;
    expect(last.logs.some((l) => l.level === 'warn' && /chain depth 4, the limit/.test(l.message))).toBe(true);
    const lastEvents = (await h.call(`/sluice/events?taskId=${last.taskId}`)).body.items;
    expect(lastEvents).toMatchObject([{ label: 'loop.ping', depth: 4 }]);
    // Nothing answers it, even later.
    await clock.advance(1000);
    const pongs = (await h.call('/sluice/tasks?process=pong&limit=100')).body.items as TaskRecord[];
    expect(pongs.filter((t) => t.trigger.type === 'event' && t.trigger.eventId === lastEvents[0].eventId)).toEqual([]);
  });

  it('fails a task whose event is invalid, for good, publishing nothing', async () => {
    const taskId = await submit({ bad: { label: 'x', source: '', target: 't' } });
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'DataEventRefusedError', message: expect.stringContaining('event 0.source must be a non-empty string') } });
    expect((await h.call(`/sluice/events?taskId=${taskId}`)).body.items).toEqual([]);
  });

  it('answers bad queries with 400s, unknown events with 404, other methods with 405, and needs the token', async () => {
    for (const query of ['limit=0', 'limit=101', 'since=yesterday', 'until=2026-13-01', 'cursor=nope', 'colour=red', 'limit=2&limit=3']) {
      expect((await h.call(`/sluice/events?${query}`)).status, query).toBe(400);
    }
    for (const query of ['', 'node=a&taskId=b', 'node=a&depth=0', 'node=a&depth=11', 'node=a&direction=sideways', 'node=a&depth=1e1']) {
      expect((await h.call(`/sluice/lineage?${query}`)).status, query).toBe(400);
    }
    expect((await h.call('/sluice/events/no-such-event')).status).toBe(404);
    expect((await h.call('/sluice/events', { method: 'POST', json: {} })).status).toBe(405);
    expect((await h.call('/sluice/lineage', { method: 'DELETE' })).status).toBe(405);
    expect((await h.call('/sluice/events', { auth: false })).status).toBe(401);
    expect((await h.call('/sluice/lineage?node=nothing-here')).body).toEqual({ nodes: [{ id: 'nothing-here' }], edges: [] });
  });

  it('pages through events newest first without gaps or repeats', async () => {
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.call(`/sluice/events?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      all.push(...page.body.items.map((e: { eventId: string }) => e.eventId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    const everything = (await h.call('/sluice/events?limit=100')).body.items.map((e: { eventId: string }) => e.eventId);
    expect(all).toEqual(everything);
    expect(all.length).toBeGreaterThanOrEqual(8);
  });

  it('publishes what a task emitted even when its worker had to be terminated (blocked past its timeout, last attempt)', async () => {
    const marker = join(h.dataDir, `blocker-${Date.now()}`);
    const reply = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'blocker', payload: { marker } } });
    const taskId = reply.body.taskId as string;
    // The process writes the marker after its emit, just before it blocks (its worker may take a while to start).
    await eventually(async () => (existsSync(marker) ? true : undefined), { what: 'the blocker to emit', timeoutMs: 60_000 });
    await clock.advance(3_000);
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'timed_out', attempts: 1 });
    expect((await h.call(`/sluice/events?taskId=${taskId}`)).body.items).toMatchObject([{ label: 'blocked.before', process: 'blocker', attempt: 1 }]);
  });
});
