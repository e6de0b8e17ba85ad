import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import { describe, expect, it } from 'vitest';
import { runIdOf } from '../../../lib/core/openlineage/runIdOf.js';
import { errorReply, type HttpReply } from '../../../lib/http/httpResponses.js';
import { mountOpenLineageRoutes } from '../../../lib/platform/openLineageRoutes.js';
import { SLUICE_VERSION } from '../../../lib/platform/sluiceVersion.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { dataEvent, runEventValidator, task } from '../core/openlineage/openLineageFixtures.js';

const validate = runEventValidator();

/** The routes on a Hono app wired as createPlatformApp wires its own (send, onError → errorReply). */
async function appWithTasks() {
  const store = new MemoryTaskStore();
  const older = task('failed', { error: { kind: 'logic', name: 'Error', message: 'boom' } }, 0);
  const newer = task('succeeded', {}, 1);
  await store.save(older, [dataEvent(older, 0, 's3://landing/a.csv', 'postgres://warehouse:5432/analytics.public.a')]);
  await store.save(newer, [dataEvent(newer, 0, 'postgres://warehouse:5432/analytics.public.a', 'warehouse.public.b')]);
  const app = new Hono();
  const send = (c: Context, reply: HttpReply) => c.body(reply.body, reply.status as never, reply.headers);
  app.onError((error, c) => send(c, errorReply(error)));
  mountOpenLineageRoutes(app, { tasks: store, events: store.events, namespace: 'shop-prod', producer: 'https://github.com/acme/shop', engineVersion: SLUICE_VERSION, send });
  return { app, older, newer };
}

async function get(app: Hono, query: string) {
  const response = await app.request(`/sluice/openlineage/events${query}`);
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('GET /sluice/openlineage/events', () => {
  it('answers the run events of the newest tasks, valid RunEvents, and pages with nextCursor', async () => {
    const { app, older, newer } = await appWithTasks();
    const all = await get(app, '');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^application\/json/);
    expect(all.body.items.map((e: any) => [e.run.runId, e.eventType])).toEqual([
      [runIdOf(newer.taskId), 'START'],
      [runIdOf(newer.taskId), 'COMPLETE'],
      [runIdOf(older.taskId), 'START'],
      [runIdOf(older.taskId), 'FAIL'],
    ]);
    expect(all.body.items[0].run.facets.processing_engine).toMatchObject({ name: 'Sluice', version: SLUICE_VERSION });
    expect(all.body.items[0].outputs).toEqual([{ namespace: 'shop-prod', name: 'warehouse.public.b' }]);
    for (const event of all.body.items) expect(validate(event), JSON.stringify(validate.errors)).toBe(true);

    const first = await get(app, '?limit=1');
    expect(first.body.items).toHaveLength(2);
    const second = await get(app, `?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: all.body.items.slice(2) });
  });

  it('keeps tasks created since the given time (an offset written %2B)', async () => {
    const { app, newer } = await appWithTasks();
    const at = new Date(Date.parse(newer.createdAt) + 3_600_000).toISOString().replace('Z', '%2B01:00');
    const page = await get(app, `?since=${at}`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((e: any) => e.run.runId)).toEqual([runIdOf(newer.taskId), runIdOf(newer.taskId)]);
  });

  it.each([
    ['?since=yesterday', 'since'],
    ['?since=2026-11-29T10:00:00+01:00', 'since'], // `+` read as a space
    ['?limit=0', 'limit'],
    ['?limit=0x10', 'limit'],
    ['?limit=2&limit=3', 'limit'],
    ['?cursor=%21%21', 'cursor'],
    ['?sinse=2026-11-29', '(root)'],
  ])('%s → 400 naming %s', async (query, path) => {
    const { app } = await appWithTasks();
    const response = await get(app, query);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('ValidationError');
    expect(response.body.issues.map((i: any) => i.path)).toContain(path);
  });

  it('answers other methods with 405 and Allow: GET', async () => {
    const { app } = await appWithTasks();
    const response = await app.request('/sluice/openlineage/events', { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});
