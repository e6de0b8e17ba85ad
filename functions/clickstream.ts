/**
 * Streaming ETL fed by a queue: each clickstream event becomes a task that
 * parses, enriches and loads one normalised page-view row.
 *
 *   parse   -> the raw event, validated by the input schema (a malformed
 *              event fails at once and lands in the dead-letter queue)
 *   enrich  -> page type, campaign (utm_*), device class, session bucket
 *   load    -> the page-view row, stored as the task result
 *
 * Feed it locally:  POST /sluice/queues/<service>-<stage>-clickstream/messages
 * (the task queue Sluice declares for this process; see `npm start` output).
 */
import * as z from 'zod';
import { defineProcess, type Aggregator, type Logic } from '../lib/index.js';

const input = z.object({
  eventId: z.string().min(1).max(64),
  userId: z.string().min(1).max(64),
  url: z.url(),
  occurredAt: z.iso.datetime(),
  userAgent: z.string().max(512).default(''),
  referrer: z.string().max(2048).optional(),
});
type Input = z.infer<typeof input>;

export interface PageView {
  eventId: string;
  userId: string;
  occurredAt: string;
  host: string;
  path: string;
  pageType: 'product' | 'category' | 'checkout' | 'search' | 'home' | 'other';
  campaign: { source: string; medium: string | null; name: string | null } | null;
  device: 'mobile' | 'tablet' | 'desktop' | 'bot';
  /** 30-minute window the event falls in: a cheap sessionisation key. */
  sessionBucket: string;
}

const parse: Logic<Input> = {
  name: 'parse',
  run(ctx) {
    const url = new URL(ctx.input.url);
    ctx.session.set('url', { host: url.host, path: url.pathname, query: Object.fromEntries(url.searchParams) });
  },
};

function pageTypeOf(path: string): PageView['pageType'] {
  if (path === '/' || path === '') return 'home';
  if (path.startsWith('/p/') || path.startsWith('/product/')) return 'product';
  if (path.startsWith('/c/') || path.startsWith('/category/')) return 'category';
  if (path.startsWith('/checkout') || path.startsWith('/cart')) return 'checkout';
  if (path.startsWith('/search')) return 'search';
  return 'other';
}

function deviceOf(userAgent: string): PageView['device'] {
  if (/bot|crawler|spider/i.test(userAgent)) return 'bot';
  if (/ipad|tablet/i.test(userAgent)) return 'tablet';
  if (/mobi|iphone|android/i.test(userAgent)) return 'mobile';
  return 'desktop';
}

const enrich: Logic<Input> = {
  name: 'enrich',
  run(ctx) {
    const url = ctx.session.get<{ host: string; path: string; query: Record<string, string> }>('url')!;
    const at = Date.parse(ctx.input.occurredAt);
    const view: PageView = {
      eventId: ctx.input.eventId,
      userId: ctx.input.userId,
      occurredAt: new Date(at).toISOString(),
      host: url.host,
      path: url.path,
      pageType: pageTypeOf(url.path),
      campaign: url.query.utm_source ? { source: url.query.utm_source, medium: url.query.utm_medium ?? null, name: url.query.utm_campaign ?? null } : null,
      device: deviceOf(ctx.input.userAgent),
      sessionBucket: `${ctx.input.userId}:${new Date(Math.floor(at / 1_800_000) * 1_800_000).toISOString()}`,
    };
    ctx.session.set('view', view);
  },
};

const load: Aggregator<Input, PageView> = {
  name: 'load',
  run(ctx) {
    const view = ctx.session.get<PageView>('view')!;
    ctx.log.debug('page view loaded', { pageType: view.pageType, device: view.device });
    return view;
  },
};

const clickstream = defineProcess({
  name: 'clickstream',
  description: 'Streaming ETL: clickstream events normalised into page views',
  input,
  logics: [parse, enrich],
  aggregator: load,
});

export const handler = clickstream.handler;
