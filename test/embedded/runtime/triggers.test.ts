import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import type { TriggerRecord } from '../../../lib/core/triggers/TriggerRecord.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { DEMO_SHOP_CONFIG, startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/events/serverless.yml');

/** The trigger registry on the embedded runtime: runtime routes and subscriptions, pause, audit, persistence. */
describe('the trigger registry on the embedded runtime', () => {
  let h: Harness;
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-triggers-'));
  const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
  beforeAll(async () => {
    h = await startHarness({ configPath: CONFIG, dataDir, clock });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const create = (body: unknown) => h.call('/sluice/triggers', { method: 'POST', json: body });

  it('lists the static triggers of serverless.yml', async () => {
    const listed = await h.call('/sluice/triggers?kind=event');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: TriggerRecord) => [t.process, t.source, t.spec.kind, (t.spec as { label: string }).label]).sort()).toEqual([
      ['audit', 'static', 'event', 'orders.loaded'],
      ['ping', 'static', 'event', 'loop.pong'],
      ['pong', 'static', 'event', 'loop.ping'],
      ['refresh', 'static', 'event', 'orders.*'],
    ]);
    expect((await h.call('/sluice/triggers?process=refresh')).body.items).toHaveLength(1);
  });

  it('serves a runtime sync route on the next request, pauses, resumes and deletes it, with an audit log', async () => {
    const created = await create({ process: 'load', kind: 'http', method: 'POST', path: '/runs/{kind}', note: 'for the demo' });
    expect(created.status).toBe(201);
    const trigger = created.body as TriggerRecord;
    expect(trigger).toMatchObject({ process: 'load', source: 'runtime', paused: false, version: 1, note: 'for the demo', spec: { kind: 'http', method: 'POST', path: '/runs/{kind}', mode: 'sync' } });
    expect(created.headers.get('location')).toBe(`/sluice/triggers/${trigger.triggerId}`);

    const ran = await h.call('/runs/now', { method: 'POST', json: {}, auth: false });
    expect(ran.status).toBe(200);
    expect(ran.body).toEqual({ ownEventsSeen: 1 });

    expect((await h.call(`/sluice/triggers/${trigger.triggerId}`, { method: 'PATCH', json: { paused: true } })).body).toMatchObject({ paused: true, version: 2 });
    expect((await h.call('/runs/now', { method: 'POST', json: {}, auth: false })).status).toBe(404);
    await h.call(`/sluice/triggers/${trigger.triggerId}`, { method: 'PATCH', json: { paused: false } });
    expect((await h.call('/runs/now', { method: 'POST', json: {}, auth: false })).status).toBe(200);

    expect((await h.call(`/sluice/triggers/${trigger.triggerId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call('/runs/now', { method: 'POST', json: {}, auth: false })).status).toBe(404);
    expect((await h.call(`/sluice/triggers/${trigger.triggerId}`)).status).toBe(404);

    const history = await h.call(`/sluice/triggers/${trigger.triggerId}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((c: { action: string }) => c.action)).toEqual(['delete', 'resume', 'pause', 'create']);
    expect(history.body.items[0]).toMatchObject({ actor: 'api-token', at: '2026-11-29T12:00:00.000Z', before: { paused: false, version: 3 } });
    const paged = await h.call(`/sluice/triggers/${trigger.triggerId}/history?limit=3`);
    expect(paged.body.items).toHaveLength(3);
    expect((await h.call(`/sluice/triggers/${trigger.triggerId}/history?limit=3&cursor=${encodeURIComponent(paged.body.nextCursor)}`)).body.items.map((c: { action: string }) => c.action)).toEqual(['create']);
  });

  it('answers an async route with 202, the task id and a Location to poll; credentials headers are not queued', async () => {
    const created = await create({ process: 'load', kind: 'http', method: 'PUT', path: '/async-runs', mode: 'async' });
    expect(created.status).toBe(201);
    const reply = await h.call('/async-runs', { method: 'PUT', json: {}, auth: false, headers: { authorization: 'Bearer secret-of-the-caller' } });
    expect(reply.status).toBe(202);
    expect(reply.headers.get('location')).toBe(`/sluice/tasks/${reply.body.taskId}`);
    const task = await h.waitForTask(reply.body.taskId);
    expect(task).toMatchObject({ status: 'succeeded', trigger: { type: 'http', method: 'PUT', path: '/async-runs' } });
    const raw = await h.runtime.storage.db.prepare("SELECT COUNT(*) AS n FROM messages WHERE body LIKE '%secret-of-the-caller%'").get() as { n: number };
    expect(raw.n).toBe(0);
  });

  it('refuses conflicts, static edits and bad specs with precise 4xx', async () => {
    const first = await create({ process: 'load', kind: 'http', method: 'GET', path: '/orders/{id}' });
    expect(first.status).toBe(201);
    const conflict = await create({ process: 'refresh', kind: 'http', method: 'GET', path: '/orders/{orderId}' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain(first.body.triggerId);

    const staticId = (await h.call('/sluice/triggers?process=audit')).body.items[0].triggerId;
    expect((await h.call(`/sluice/triggers/${staticId}`, { method: 'PATCH', json: { label: 'other' } })).status).toBe(409);
    expect((await h.call(`/sluice/triggers/${staticId}`, { method: 'DELETE' })).status).toBe(409);
    expect((await h.call(`/sluice/triggers/${first.body.triggerId}`, { method: 'PATCH', json: { kind: 'schedule' } })).status).toBe(400);
    expect((await h.call(`/sluice/triggers/${first.body.triggerId}`, { method: 'PATCH', json: { method: 'FETCH' } })).status).toBe(400);
    expect((await h.call(`/sluice/triggers/${first.body.triggerId}`, { method: 'PATCH', json: {} })).status).toBe(400);
    // Two clients that read version 1: the first write wins, the second is told (409), not silently overwritten.
    expect((await h.call(`/sluice/triggers/${first.body.triggerId}`, { method: 'PATCH', json: { version: 1, note: 'first' } })).status).toBe(200);
    const stale = await h.call(`/sluice/triggers/${first.body.triggerId}`, { method: 'PATCH', json: { version: 1, note: 'second' } });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toContain('version 2, not 1');
    // Without a version nobody asked for a condition: concurrent notes all land, one after the other.
    const notes = await Promise.all(Array.from({ length: 8 }, (_, i) => h.call(`/sluice/triggers/${first.body.triggerId}`, { method: 'PATCH', json: { note: `note ${i}` } })));
    expect(notes.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await h.call(`/sluice/triggers/${first.body.triggerId}`)).body.version).toBe(2 + 8);

    for (const [body, status] of [
      [{ process: 'nope', kind: 'http', method: 'GET', path: '/x' }, 404],
      [{ process: 'load', kind: 'ftp' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: '/sluice/mine' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: '/a/{x}/{x}' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: 'no-slash' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: '/x', colour: 'red' }, 400],
      [{ process: 'load', kind: 'schedule', expression: 'cron(61 * * * ? *)' }, 400],
      [{ process: 'load', kind: 'schedule', expression: 'rate(5 minutes)', timezone: 'Mars/Olympus' }, 400],
      [{ process: 'load', kind: 'schedule', expression: 'rate(5 minutes)', startAt: '2026-12-02T00:00:00Z', endAt: '2026-12-01T00:00:00Z' }, 400],
      [{ process: 'load', kind: 'queue', queue: 'not-declared' }, 400],
      [{ process: 'load', kind: 'event', label: 'a*' }, 400],
      [{ process: 'refresh', kind: 'event', label: 'orders.*' }, 409],
      // Unreachable paths: the platform API once decoded, a query, whitespace, an encoded slash.
      [{ process: 'load', kind: 'http', method: 'GET', path: '/%73luice/x' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: '/a?x=1' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: '/a b' }, 400],
      [{ process: 'load', kind: 'http', method: 'GET', path: '/a%2Fb' }, 400],
      // Another process's task queue, or its dead-letter queue: its tasks would be stolen.
      [{ process: 'refresh', kind: 'queue', queue: 'events-fixture-dev-load' }, 400],
      [{ process: 'refresh', kind: 'queue', queue: 'events-fixture-dev-load-dlq' }, 400],
    ] as const) {
      const reply = await create(body);
      expect(reply.status, JSON.stringify(body)).toBe(status);
    }
    // What no request matches as written: control characters (written or encoded), non-ASCII, dot segments: a 400 naming path.
    for (const path of ['/a\u0000b', '/a%00b', '/a\u007fb', '/a/../sluice/x', '/a/%2E%2E/b', '/./a', '/a/..', '/é', '/caf\u00e9/{id}']) {
      const reply = await create({ process: 'load', kind: 'http', method: 'GET', path });
      expect(reply.status, JSON.stringify(path)).toBe(400);
      expect(reply.body.issues, JSON.stringify(path)).toEqual([{ path: 'path', message: expect.stringMatching(/control character|ASCII|'\.' or '\.\.' segment/) }]);
    }
    expect((await create({ process: 'load', kind: 'http', method: 'GET', path: '/a/.well-known/x..y' })).status).toBe(201);
    expect((await h.call('/sluice/triggers', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await h.call('/sluice/triggers', { method: 'POST', json: [1] })).status).toBe(400);
    expect((await h.call('/sluice/triggers/nope')).status).toBe(404);
    expect((await h.call('/sluice/triggers/nope/history')).status).toBe(404);
    expect((await h.call('/sluice/triggers?kind=ftp')).status).toBe(400);
    expect((await h.call('/sluice/triggers', { method: 'PUT' })).status).toBe(405);
    expect((await h.call('/sluice/triggers', { auth: false })).status).toBe(401);
  });

  it('subscribes a process to data events at run time, and a paused static subscription starts nothing', async () => {
    const staticRefresh = (await h.call('/sluice/triggers?process=refresh')).body.items[0] as TriggerRecord;
    await h.call(`/sluice/triggers/${staticRefresh.triggerId}`, { method: 'PATCH', json: { paused: true, note: 'warehouse maintenance' } });
    const runtime = await create({ process: 'refresh', kind: 'event', label: 'orders.loaded', source: 's3://landing/orders.csv' });
    expect(runtime.status).toBe(201);

    const taskId = (await h.call('/sluice/tasks', { method: 'POST', json: { process: 'load', payload: {} } })).body.taskId as string;
    await h.waitForTask(taskId);
    const eventId = (await h.call(`/sluice/events?taskId=${taskId}`)).body.items[0].eventId as string;
    const refreshes = await eventually(async () => {
      const all = ((await h.call('/sluice/tasks?process=refresh&limit=100')).body.items as TaskRecord[]).filter((t) => t.trigger.type === 'event' && t.trigger.eventId === eventId);
      return all.length > 0 ? all : undefined;
    }, { what: 'the runtime subscription\'s task' });
    // Only the runtime subscription ran: the static one is paused.
    expect(refreshes.map((t) => (t.trigger as { subscription: string }).subscription)).toEqual(['refresh:orders.loaded:s3%3A%2F%2Flanding%2Forders.csv:']);
    await h.call(`/sluice/triggers/${staticRefresh.triggerId}`, { method: 'PATCH', json: { paused: false } });
  });

  it('shows a schedule\'s next firings in its time zone window and fires a trigger now', async () => {
    const created = await create({ process: 'load', kind: 'schedule', expression: 'rate(1 hour)', startAt: '2026-12-01T00:00:00Z', input: { failFirst: false } });
    expect(created.status).toBe(201);
    expect(created.body.next).toHaveLength(5);
    expect(created.body.next[0] >= '2026-12-01T00:00:00.000Z').toBe(true);
    const fired = await h.call(`/sluice/triggers/${created.body.triggerId}/fire`, { method: 'POST', json: { input: {} } });
    expect(fired.status).toBe(202);
    expect(await h.waitForTask(fired.body.taskId)).toMatchObject({ status: 'succeeded', trigger: { type: 'schedule', rule: created.body.triggerId } });
    // next reads the expression in the trigger's time zone: 09:00 in Berlin is 08:00 UTC in winter.
    const berlin = await create({ process: 'load', kind: 'schedule', expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Berlin' });
    expect(berlin.body.next.slice(0, 2)).toEqual(['2026-11-30T08:00:00.000Z', '2026-12-01T08:00:00.000Z']);
    await h.call(`/sluice/triggers/${berlin.body.triggerId}`, { method: 'DELETE' });
    const eventTrigger = (await h.call('/sluice/triggers?process=audit')).body.items[0].triggerId;
    expect((await h.call(`/sluice/triggers/${eventTrigger}/fire`, { method: 'POST' })).status).toBe(400);
  });

  it('fires a runtime schedule on the runtime\'s clock, and a paused one not', async () => {
    const created = await create({ process: 'load', kind: 'schedule', expression: 'rate(5 minutes)', input: {} });
    expect(created.status).toBe(201);
    const id = created.body.triggerId as string;
    const firings = async () => ((await h.call('/sluice/tasks?process=load&limit=100')).body.items as TaskRecord[]).filter((t) => t.trigger.type === 'schedule' && t.trigger.rule === id);
    await clock.advance(5 * 60_000 + 1000);
    const [first] = await eventually(async () => {
      const found = await firings();
      return found.length === 1 ? found : undefined;
    }, { what: 'the first firing', timeoutMs: 30_000 });
    await h.waitForTask(first!.taskId);
    await h.call(`/sluice/triggers/${id}`, { method: 'PATCH', json: { paused: true } });
    await clock.advance(10 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await firings()).toHaveLength(1);
    await h.call(`/sluice/triggers/${id}`, { method: 'DELETE' });
  });

  it('keeps runtime triggers and the state of static ones across a restart', async () => {
    const created = await create({ process: 'load', kind: 'http', method: 'POST', path: '/survives' });
    const staticAudit = (await h.call('/sluice/triggers?process=audit')).body.items[0] as TriggerRecord;
    await h.call(`/sluice/triggers/${staticAudit.triggerId}`, { method: 'PATCH', json: { paused: true } });
    await h.runtime.stop();
    h = await startHarness({ configPath: CONFIG, dataDir, clock });
    expect((await h.call('/survives', { method: 'POST', json: {}, auth: false })).status).toBe(200);
    expect((await h.call(`/sluice/triggers/${created.body.triggerId}`)).body).toMatchObject({ source: 'runtime', spec: { path: '/survives' } });
    expect((await h.call(`/sluice/triggers/${staticAudit.triggerId}`)).body).toMatchObject({ source: 'static', paused: true });
  });
});

/** The demo shop declares a queue and its DLQ (SQS's default 30 s visibility timeout); sales-rollup's timeout is 60 s, customer-sync's 10 s. */
describe('runtime queue triggers on the embedded runtime: Lambda\'s rules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ configPath: DEMO_SHOP_CONFIG });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  it('refuses (400) a queue whose visibility timeout is under the process\'s function timeout, naming queue and both numbers, and writes nothing', async () => {
    const refused = await h.call('/sluice/triggers', { method: 'POST', json: { process: 'sales-rollup', kind: 'queue', queue: 'demo-shop-dev-clickstream-events-dlq' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe(
      "invalid queue trigger: queue: 'demo-shop-dev-clickstream-events-dlq' has a visibility timeout of 30s, shorter than the timeout of process 'sales-rollup' (60s): AWS Lambda requires the visibility timeout to be at least the function timeout",
    );
    expect((await h.call('/sluice/triggers?kind=queue&process=sales-rollup')).body.items).toEqual([]);
    // A process whose timeout fits may consume it.
    const accepted = await h.call('/sluice/triggers', { method: 'POST', json: { process: 'customer-sync', kind: 'queue', queue: 'demo-shop-dev-clickstream-events-dlq' } });
    expect(accepted.status).toBe(201);
    expect((await h.call(`/sluice/triggers/${accepted.body.triggerId as string}`, { method: 'DELETE' })).status).toBe(204);
  });
});
