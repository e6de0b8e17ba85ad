import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/testing/ManualClock.js';
import type { TaskRecord } from '../../lib/core/task/TaskRecord.js';
import { ordersOn } from '../../functions/shared/demoWarehouse.js';
import { eventually } from '../helpers/time.js';
import { EXAMPLES_CONFIG, startHarness, type Harness } from '../embedded/runtime/runtimeHarness.js';

/** The example processes of the repo's own serverless.yml, through the embedded runtime's HTTP server. */
describe('example processes', () => {
  let h: Harness;
  let clock: ManualClock;
  beforeAll(async () => {
    // Thursday 2026-11-26 01:59 UTC: one minute before the nightly rollup.
    clock = new ManualClock(Date.parse('2026-11-26T01:59:00.000Z'));
    h = await startHarness({ configPath: EXAMPLES_CONFIG, clock });
  });
  afterAll(async () => {
    await h?.stop();
  });

  describe('sales-rollup (scheduled batch ETL)', () => {
    it('runs at 02:00 UTC and rolls up the previous day', async () => {
      await clock.advance(60_000);
      const task = await eventually(async () => {
        const page = await h.call('/sluice/tasks?process=sales-rollup&limit=5');
        const item = page.body.items[0] as TaskRecord | undefined;
        return item?.status === 'succeeded' ? h.task(item.taskId) : undefined;
      });
      expect(task.trigger).toEqual({ type: 'schedule', rule: 'sales-rollup-schedule-1', scheduledTime: '2026-11-26T02:00:00.000Z' });
      const result = task.result as { day: string; orders: number; refunds: number; revenue: number; byRegion: Record<string, number>; topProducts: Array<{ revenue: number }> };
      // Independent check against the source rows: paid orders, summed.
      const orders = ordersOn('2026-11-25');
      const paid = orders.filter((o) => o.status === 'paid');
      expect(result.day).toBe('2026-11-25');
      expect(result.orders).toBe(paid.length);
      expect(result.refunds).toBe(orders.length - paid.length);
      expect(result.revenue).toBeCloseTo(paid.reduce((sum, o) => sum + o.quantity * o.unitPrice, 0), 2);
      expect(Object.values(result.byRegion).reduce((a, b) => a + b, 0)).toBeCloseTo(result.revenue, 2);
      const revenues = result.topProducts.map((p) => p.revenue);
      expect(revenues).toEqual([...revenues].sort((a, b) => b - a));
      expect(task.logs.map((l) => l.logic)).toEqual(['extract', 'transform']);
    });

    it('backfills a given day as an async task', async () => {
      const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'sales-rollup', payload: { day: '2026-01-15' } } });
      expect(res.status).toBe(202);
      const task = await h.waitForTask(res.body.taskId);
      expect(task).toMatchObject({ status: 'succeeded', result: { day: '2026-01-15' } });
      const bad = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'sales-rollup', payload: { day: 'last tuesday' } } });
      expect(bad.status).toBe(400);
    });
  });

  describe('customer-sync (reverse ETL behind a sync route)', () => {
    it('maps warehouse traits to the CRM fields asked for', async () => {
      const res = await h.call('/customers/C42/sync', { method: 'POST', json: { fields: ['segment', 'churnRisk'], dryRun: true }, auth: false });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ delivered: false, update: { externalId: 'C42', email: 'customer42@example.com' } });
      expect(Object.keys(res.body.update.properties).sort()).toEqual(['churnRisk', 'segment']);
      expect(['lead', 'loyal', 'active', 'lapsed']).toContain(res.body.update.properties.segment);
      expect(res.body.update.properties.churnRisk).toBeGreaterThanOrEqual(0);
      expect(res.body.update.properties.churnRisk).toBeLessThanOrEqual(1);
    });

    it('answers 404 for a customer the warehouse does not know, and 400 for unknown fields', async () => {
      const missing = await h.call('/customers/C0/sync', { method: 'POST', json: {}, auth: false });
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({ name: 'CustomerNotFound', logic: 'extract' });
      const bad = await h.call('/customers/C1/sync', { method: 'POST', json: { fields: ['password'] }, auth: false });
      expect(bad.status).toBe(400);
    });
  });

  describe('clickstream (streaming ETL from a queue)', () => {
    it('normalises each event into a page view; a malformed event is dead-lettered', async () => {
      const event = {
        eventId: 'ev-1',
        userId: 'u-9',
        url: 'https://shop.example.com/p/kettle?utm_source=newsletter&utm_medium=email',
        occurredAt: '2026-11-25T10:17:00Z',
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile',
      };
      const queue = 'sluice-examples-dev-clickstream-events';
      const sent = await h.call(`/sluice/queues/${queue}/messages`, { method: 'POST', body: JSON.stringify(event) });
      const bad = await h.call(`/sluice/queues/${queue}/messages`, { method: 'POST', body: JSON.stringify({ ...event, url: 'not a url' }) });
      const tasks = await eventually(async () => {
        const page = await h.call('/sluice/tasks?process=clickstream&limit=10');
        const done = (page.body.items as TaskRecord[]).filter((t) => t.status === 'succeeded' || t.status === 'failed');
        return done.length === 2 ? Promise.all(done.map((t) => h.task(t.taskId))) : undefined;
      });
      const byMessage = Object.fromEntries(tasks.map((t) => [(t.trigger as { messageId: string }).messageId, t]));
      expect(byMessage[sent.body.messageId]).toMatchObject({
        status: 'succeeded',
        result: {
          eventId: 'ev-1',
          host: 'shop.example.com',
          path: '/p/kettle',
          pageType: 'product',
          device: 'mobile',
          campaign: { source: 'newsletter', medium: 'email', name: null },
          sessionBucket: 'u-9:2026-11-25T10:00:00.000Z',
        },
      });
      expect(byMessage[bad.body.messageId]).toMatchObject({ status: 'failed', error: { kind: 'validation', issues: [{ path: 'url' }] } });
      const dlq = await h.call(`/sluice/queues/${queue}-dlq/messages`);
      expect(dlq.body.items.map((m: { messageId: string }) => m.messageId)).toEqual([bad.body.messageId]);
    });
  });
});
