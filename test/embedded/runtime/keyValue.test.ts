import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/agents/serverless.yml');

/** ctx.kv from worker threads and /sluice/kv for operators: one store, TTLs on the runtime's clock. */
describe('the key-value store on the embedded runtime', () => {
  let h: Harness;
  const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
  beforeAll(async () => {
    h = await startHarness({ configPath: CONFIG, clock, env: { ...process.env, CRM_URL: 'http://127.0.0.1:9/', CRM_TOKEN: 't', SMTP_URL: 'smtp://127.0.0.1:9' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('counts atomically across concurrent tasks, grants a lease once, and records the writer', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, () => h.call('/count/a', { method: 'POST', auth: false })));
    expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(200));
    expect(replies.map((reply) => reply.body.count).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(replies.filter((reply) => reply.body.leased)).toHaveLength(1);
    const entry = await h.call(`/sluice/kv/${encodeURIComponent('counter/a')}`);
    expect(entry.status).toBe(200);
    expect(entry.body).toMatchObject({ key: 'counter/a', value: 12 });
    expect(replies.map((reply) => reply.headers.get('x-sluice-task-id'))).toContain(entry.body.taskId);
  });

  it('lets an operator read, set (with a TTL strict on read), list and delete entries', async () => {
    const put = await h.call('/sluice/kv/operator/note', { method: 'PUT', json: { value: { text: 'reset the cursor' }, ttlSeconds: 60 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'operator/note', value: { text: 'reset the cursor' }, expiresAt: '2026-11-29T12:01:00.000Z' });
    expect((await h.call('/count/b', { method: 'POST', auth: false })).body).toEqual({ count: 1, leased: true, note: { text: 'reset the cursor' } });

    const listed = await h.call('/sluice/kv?prefix=counter/&limit=1');
    expect(listed.body.items.map((item: { key: string }) => item.key)).toEqual(['counter/a']);
    const next = await h.call(`/sluice/kv?prefix=counter/&limit=1&cursor=${encodeURIComponent(listed.body.nextCursor)}`);
    expect(next.body.items.map((item: { key: string }) => item.key)).toEqual(['counter/b']);

    await clock.advance(61_000);
    expect((await h.call('/sluice/kv/operator/note')).status).toBe(404);
    expect((await h.call('/count/b', { method: 'POST', auth: false })).body.note).toBeNull();

    expect((await h.call('/sluice/kv/counter/b', { method: 'DELETE' })).status).toBe(204);
    expect((await h.call('/sluice/kv/counter/b', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers bad requests with 400s and needs the token', async () => {
    expect((await h.call('/sluice/kv/x', { method: 'PUT', json: { value: 1, ttlSeconds: 10 * 366 * 86_400 } })).status).toBe(400);
    expect((await h.call('/sluice/kv/x', { method: 'PUT', json: { ttlSeconds: 5 } })).status).toBe(400);
    expect((await h.call('/sluice/kv/x', { method: 'PUT', json: { value: 'x'.repeat(300 * 1024) } })).status).toBe(400);
    expect((await h.call('/sluice/kv/x', { method: 'PUT', body: '{not json', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await h.call('/sluice/kv?limit=1000')).status).toBe(400);
    expect((await h.call('/sluice/kv', { auth: false })).status).toBe(401);
    expect((await h.call('/sluice/kv?limit=2&limit=3')).status).toBe(400);
    expect((await h.call('/sluice/kv/x', { method: 'POST', json: { value: 1 } })).status).toBe(405);
    expect((await h.call('/sluice/kv', { method: 'DELETE' })).status).toBe(405);
  });

  it('decodes a key like every route path (API Gateway decodes twice): %2540 is @, %2525 a literal %', async () => {
    await h.call('/sluice/kv/at%2540home', { method: 'PUT', json: { value: 1 } });
    expect((await h.call('/sluice/kv/at@home')).body).toMatchObject({ key: 'at@home', value: 1 });
    await h.call('/sluice/kv/pct/100%2525', { method: 'PUT', json: { value: 'p' } });
    expect((await h.call('/sluice/kv?prefix=pct/')).body.items.map((item: { key: string }) => item.key)).toEqual(['pct/100%']);
    expect((await h.call('/sluice/kv/pct/100%2525')).body).toMatchObject({ key: 'pct/100%', value: 'p' });
  });
});
