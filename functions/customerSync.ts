/**
 * Reverse ETL behind an HTTP route: push one customer's warehouse traits to
 * the CRM as the fields the CRM understands.
 *
 *   POST /customers/{customerId}/sync   body: { "fields"?: [...], "dryRun"?: boolean }
 *
 *   extract   -> the customer's traits from the warehouse (404 if unknown)
 *   transform -> CRM fields: lifecycle segment, lifetime value, churn risk
 *   deliver   -> the CRM update (dry run: what would be sent), the task result
 */
import * as z from 'zod';
import { defineProcess, NonRetriableError, type Aggregator, type Logic } from '../lib/index.js';
import { customerTraits, type CustomerTraits } from './shared/demoWarehouse.js';

const CRM_FIELDS = ['segment', 'lifetimeValue', 'churnRisk', 'country', 'lastOrderAt'] as const;

const input = z
  .object({
    fields: z.array(z.enum(CRM_FIELDS)).min(1).optional(),
    dryRun: z.boolean().default(false),
  })
  .strict();
type Input = z.infer<typeof input>;

export interface CrmUpdate {
  externalId: string;
  email: string;
  properties: Partial<Record<(typeof CRM_FIELDS)[number], string | number | null>>;
}

class CustomerNotFound extends NonRetriableError {
  override name = 'CustomerNotFound';
}

const extract: Logic<Input> = {
  name: 'extract',
  run(ctx) {
    const id = ctx.payload.type === 'http' ? ctx.payload.pathParameters.customerId : undefined;
    const traits = id ? customerTraits(id) : undefined;
    if (!traits) {
      ctx.response.status(404);
      throw new CustomerNotFound(`no customer '${id ?? ''}' in the warehouse`);
    }
    ctx.session.set('traits', traits);
  },
};

/** Days since a timestamp, at the time the task started (deterministic within a task). */
const daysSince = (iso: string, now: string) => Math.floor((Date.parse(now) - Date.parse(iso)) / 86_400_000);

const transform: Logic<Input> = {
  name: 'transform',
  run(ctx) {
    const t = ctx.session.get<CustomerTraits>('traits')!;
    const idle = t.lastOrderAt ? daysSince(t.lastOrderAt, ctx.task.startedAt) : Number.POSITIVE_INFINITY;
    const segment = t.orders === 0 ? 'lead' : t.orders >= 10 && idle < 180 ? 'loyal' : idle > 365 ? 'lapsed' : 'active';
    const churnRisk = Math.min(1, Math.round(((Math.min(idle, 730) / 730) * 0.7 + Math.min(t.supportTickets, 5) * 0.06) * 100) / 100);
    const all: CrmUpdate['properties'] = {
      segment,
      lifetimeValue: t.revenue,
      churnRisk,
      country: t.country,
      lastOrderAt: t.lastOrderAt,
    };
    const wanted = ctx.input.fields ?? CRM_FIELDS;
    const properties = Object.fromEntries(wanted.map((f) => [f, all[f] ?? null]));
    ctx.session.set('update', { externalId: t.customerId, email: t.email, properties } satisfies CrmUpdate);
  },
};

const deliver: Aggregator<Input, { delivered: boolean; update: CrmUpdate }> = {
  name: 'deliver',
  run(ctx) {
    const update = ctx.session.get<CrmUpdate>('update')!;
    // A real deployment sends `update` to the CRM's API here; the demo CRM accepts everything.
    ctx.log.info(ctx.input.dryRun ? 'dry run: CRM not called' : 'CRM updated', { externalId: update.externalId, fields: Object.keys(update.properties) });
    return { delivered: !ctx.input.dryRun, update };
  },
  handleError(ctx, error) {
    ctx.log.warn('nothing sent to the CRM', { reason: error.message });
  },
};

const customerSync = defineProcess({
  name: 'customer-sync',
  description: 'Reverse ETL: warehouse traits of one customer pushed to the CRM',
  input,
  logics: [extract, transform],
  aggregator: deliver,
});

export const handler = customerSync.handler;
