/**
 * `GET /sluice/tasks` with `trigger`, `since`, `until` and `GET /sluice/tasks/counts`
 * through the embedded runtime's HTTP server (the store-level cases are the
 * TaskStore contract's); test/aws/lambda/taskListFilters.test.ts is the
 * platform Lambda's twin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../../lib/core/task/TaskRecord.js';
import { startHarness, type Harness } from './runtimeHarness.js';

describe('embedded runtime: task list filters and counts', () => {
  let h: Harness;
  const sync: string[] = [];
  const queued: string[] = [];
  let start: string;
  let middle: string;
  beforeAll(async () => {
    h = await startHarness();
    start = new Date().toISOString();
    for (let i = 0; i < 3; i++) sync.push((await h.call(`/echo/${i}`, { method: 'POST', json: { n: i } })).headers.get('x-sluice-task-id')!);
    await new Promise((resolve) => setTimeout(resolve, 5));
    middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 2; i++) queued.push((await h.call('/sluice/tasks', { method: 'POST', json: { process: 'stream', payload: { value: i } } })).body.taskId);
    for (const id of queued) await h.waitForTask(id);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const ids = (body: { items: Array<{ taskId: string }> }) => body.items.map((t) => t.taskId);

  it('filters by trigger type, newest first', async () => {
    const http = await h.call(`/sluice/tasks?trigger=http&since=${start}`);
    expect(http.status).toBe(200);
    expect(ids(http.body)).toEqual([...sync].reverse());
    expect(ids((await h.call(`/sluice/tasks?trigger=api&since=${start}`)).body)).toEqual([...queued].reverse());
    expect(ids((await h.call(`/sluice/tasks?trigger=schedule&since=${start}`)).body)).toEqual([]);
  });

  it('filters by since and until (since ≤ createdAt < until), with process and status, across pages', async () => {
    expect(ids((await h.call(`/sluice/tasks?since=${middle}`)).body)).toEqual([...queued].reverse());
    expect(ids((await h.call(`/sluice/tasks?since=${start}&until=${middle}`)).body)).toEqual([...sync].reverse());
    expect(ids((await h.call(`/sluice/tasks?process=echo&status=succeeded&trigger=http&until=${middle}&since=${start}`)).body)).toEqual([...sync].reverse());
    const first = await h.call(`/sluice/tasks?trigger=http&since=${start}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await h.call(`/sluice/tasks?trigger=http&since=${start}&limit=2&cursor=${first.body.nextCursor}`);
    expect([...ids(first.body), ...ids(second.body)]).toEqual([...sync].reverse());
    expect(second.body.nextCursor).toBeUndefined();
    // An offset is read as the instant it names.
    const later = new Date(Date.parse(middle)).toISOString().replace('Z', '+00:00');
    expect(ids((await h.call(`/sluice/tasks?since=${encodeURIComponent(later)}`)).body)).toEqual([...queued].reverse());
  });

  it('refuses an unknown trigger and a malformed instant with a 400 naming the parameter', async () => {
    for (const [query, path] of [
      ['trigger=cron', 'trigger'],
      ['since=yesterday', 'since'],
      ['until=2026-13-01T00:00:00Z', 'until'],
    ] as const) {
      const res = await h.call(`/sluice/tasks?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body).toMatchObject({ error: 'ValidationError', issues: [expect.objectContaining({ path })] });
    }
  });

  it('counts by status per process over the last 24 hours by default, every status present', async () => {
    const res = await h.call('/sluice/tasks/counts');
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.until) - Date.parse(res.body.since)).toBe(86_400_000);
    const zeros = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0]));
    expect(res.body.items).toEqual([
      { process: 'echo', counts: { ...zeros, succeeded: 3 } },
      { process: 'stream', counts: { ...zeros, succeeded: 2 } },
    ]);
    const one = await h.call(`/sluice/tasks/counts?process=stream&since=${start}&until=${middle}`);
    expect(one.body).toEqual({ since: start, until: middle, items: [] });
    const stream = await h.call(`/sluice/tasks/counts?process=stream&since=${middle}`);
    expect(stream.body.items).toEqual([{ process: 'stream', counts: { ...zeros, succeeded: 2 } }]);
  });

  it('reads every time filter by one instant rule: the same values accepted and refused, naming the parameter, a reversed window a 400', async () => {
    const get = async (path: string) => {
      const res = await h.call(path);
      return { status: res.status, body: res.body };
    };
    const post = async (json: unknown) => {
      const res = await h.call('/sluice/tasks/replay', { method: 'POST', json });
      return { status: res.status, body: res.body };
    };
    // Past year 9999 once in UTC: refused everywhere, naming the parameter given.
    const late = encodeURIComponent('9999-12-31T23:59:59-14:00');
    for (const [answer, path] of [
      [await get(`/sluice/tasks?since=${late}`), 'since'],
      [await get(`/sluice/events?since=${late}`), 'since'],
      [await get(`/sluice/tasks/counts?until=${late}`), 'until'],
      [await post({ filter: { since: '9999-12-31T23:59:59-14:00' }, dryRun: true }), 'filter.since'],
    ] as const) {
      expect(answer.status, path).toBe(400);
      expect(answer.body.issues, path).toEqual([{ path, message: expect.stringContaining('outside the years 0000-9999 once in UTC') }]);
    }
    // Before year 0000 once in UTC: the same refusal, not "no such day".
    const early = await get(`/sluice/events?since=${encodeURIComponent('0000-01-01T00:00:00+14:00')}`);
    expect(early.status).toBe(400);
    expect(early.body.issues).toEqual([{ path: 'since', message: expect.stringContaining('outside the years 0000-9999') }]);
    expect((await get(`/sluice/tasks?until=${encodeURIComponent('0000-01-01T00:00:00+14:00')}`)).body.issues).toEqual([{ path: 'until', message: expect.stringContaining('outside the years 0000-9999') }]);
    // The first instant of year 0000 is one: counts up to it default their window inside the range (nothing named that was not given).
    const first = '0000-01-01T00:00:00.000Z';
    expect(await get('/sluice/tasks/counts?until=0000-01-01T00:00:00Z')).toEqual({ status: 200, body: { since: first, until: first, items: [] } });
    expect((await get('/sluice/events?since=0000-01-01T00:00:00Z')).status).toBe(200);
    expect((await get('/sluice/tasks?since=0000-01-01T00:00:00Z&until=9999-12-31T23:59:59.999Z')).status).toBe(200);
    // A date alone, and a minute precision, are instants for tasks as for events.
    for (const query of ['since=2026-01-01', 'since=2026-01-01T10:00Z', 'until=2026-01-01T11:00%2B0100']) {
      expect((await get(`/sluice/tasks?${query}`)).status, query).toBe(200);
      expect((await get(`/sluice/events?${query}`)).status, query).toBe(200);
    }
    // No such day, no such time: the same message on both.
    for (const route of ['/sluice/tasks', '/sluice/events']) {
      expect((await get(`${route}?since=2026-02-30`)).body.issues, route).toEqual([{ path: 'since', message: expect.stringContaining('not a day of the calendar') }]);
      expect((await get(`${route}?until=2026-01-01T24:00:00Z`)).body.issues, route).toEqual([{ path: 'until', message: expect.stringContaining('not a time of day') }]);
    }
    // A reversed window: a 400 naming until on every route, never an empty page.
    const [a, b] = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'];
    for (const [answer, path] of [
      [await get(`/sluice/tasks?since=${b}&until=${a}`), 'until'],
      [await get(`/sluice/tasks/counts?since=${b}&until=${a}`), 'until'],
      [await get(`/sluice/events?since=${b}&until=${a}`), 'until'],
      [await post({ filter: { since: b, until: a }, dryRun: true }), 'filter.until'],
    ] as const) {
      expect(answer.status, path).toBe(400);
      expect(answer.body.issues, path).toEqual([{ path, message: 'must not be before since (2026-01-02T00:00:00.000Z)' }]);
    }
    // An empty window is no error.
    expect(await get(`/sluice/tasks?since=${a}&until=${a}`)).toEqual({ status: 200, body: { items: [] } });
  });

  it('refuses a count window over 7 days or reversed, and is not taken for a task id', async () => {
    const wide = await h.call('/sluice/tasks/counts?since=2026-01-01T00:00:00Z&until=2026-01-08T00:00:00.001Z');
    expect(wide.status).toBe(400);
    expect(wide.body.issues).toEqual([expect.objectContaining({ path: 'since' })]);
    const reversed = await h.call('/sluice/tasks/counts?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(400);
    expect(reversed.body.issues).toEqual([expect.objectContaining({ path: 'until' })]);
    expect((await h.call('/sluice/tasks/counts?since=2026-01-01T00:00:00Z&until=2026-01-08T00:00:00Z')).status).toBe(200);
    expect((await h.call('/sluice/tasks/counts?bogus=1')).status).toBe(400);
    expect((await h.call('/sluice/tasks/counts', { method: 'POST' })).status).toBe(405);
    expect((await h.call('/sluice/tasks/counts', { auth: false })).status).toBe(401);
  });
});
