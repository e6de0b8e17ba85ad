/**
 * Scheduled batch ETL: every night, roll up the previous UTC day's orders
 * into revenue per region and per product.
 *
 *   extract   -> the day's orders (demo warehouse; see shared/demoWarehouse.ts)
 *   transform -> paid orders aggregated by region and product, refunds counted
 *   publish   -> the rollup, stored as the task result
 *
 * Triggers (serverless.yml): `cron(0 2 * * ? *)`, and async runs through
 * `POST /sluice/tasks` with `{ "day": "2026-11-26" }` to backfill a day.
 */
import * as z from 'zod';
import { defineProcess, type Aggregator, type Logic } from '../lib/index.js';
import { ordersOn, productName, type Order } from './shared/demoWarehouse.js';

const input = z
  .object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional() })
  .strict()
  .nullish();
type Input = z.infer<typeof input>;

export interface SalesRollup {
  day: string;
  orders: number;
  refunds: number;
  revenue: number;
  byRegion: Record<string, number>;
  topProducts: Array<{ sku: string; name: string; units: number; revenue: number }>;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The day to roll up: the input's, else the day before the schedule fired (or before now). */
function dayToRollUp(ctx: Parameters<Logic<Input>['run']>[0]): string {
  if (ctx.input?.day) return ctx.input.day;
  const reference = ctx.payload.type === 'schedule' ? Date.parse(ctx.payload.scheduledTime) : Date.now();
  return new Date(reference - 86_400_000).toISOString().slice(0, 10);
}

const extract: Logic<Input> = {
  name: 'extract',
  run(ctx) {
    const day = dayToRollUp(ctx);
    const orders = ordersOn(day);
    ctx.session.set('day', day);
    ctx.session.set('orders', orders);
    ctx.log.info(`extracted ${orders.length} orders`, { day });
  },
};

const transform: Logic<Input> = {
  name: 'transform',
  run(ctx) {
    const orders = ctx.session.get<Order[]>('orders') ?? [];
    const paid = orders.filter((o) => o.status === 'paid');
    const byRegion: Record<string, number> = {};
    const bySku = new Map<string, { units: number; revenue: number }>();
    for (const o of paid) {
      const amount = o.quantity * o.unitPrice;
      byRegion[o.region] = round((byRegion[o.region] ?? 0) + amount);
      const sku = bySku.get(o.sku) ?? { units: 0, revenue: 0 };
      sku.units += o.quantity;
      sku.revenue = round(sku.revenue + amount);
      bySku.set(o.sku, sku);
    }
    const rollup: SalesRollup = {
      day: ctx.session.get<string>('day')!,
      orders: paid.length,
      refunds: orders.length - paid.length,
      revenue: round(Object.values(byRegion).reduce((a, b) => a + b, 0)),
      byRegion,
      topProducts: [...bySku.entries()]
        .map(([sku, v]) => ({ sku, name: productName(sku), ...v }))
        .sort((a, b) => b.revenue - a.revenue),
    };
    ctx.session.set('rollup', rollup);
    ctx.log.info('rolled up', { revenue: rollup.revenue, refunds: rollup.refunds });
  },
};

const publish: Aggregator<Input, SalesRollup> = {
  name: 'publish',
  run: (ctx) => ctx.session.get<SalesRollup>('rollup')!,
  handleError(ctx, error) {
    ctx.log.error(`rollup failed in ${error.logic}`, { message: error.message });
    return { day: ctx.session.get<string>('day') ?? null, failedIn: error.logic };
  },
};

const salesRollup = defineProcess({
  name: 'sales-rollup',
  description: 'Nightly batch ETL: yesterday\'s orders rolled up by region and product',
  input,
  logics: [extract, transform],
  aggregator: publish,
});

export const handler = salesRollup.handler;
