import * as z from 'zod';
import { DEFAULT_OVERLAP, OVERLAP_POLICIES } from '../schedule/scheduleOverlap.js';

/**
 * What a trigger is, by kind: the body of `POST /sluice/triggers` (with
 * `process`) and the `spec` of every registered trigger. The zod schemas are
 * the types (validated once, at the API's edge).
 *
 * Kinds follow LOC's triggers (API route, message queue, scheduler) plus
 * Sluice's data-event subscription.
 */
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;

/** An API route: `sync` answers like a static route; `async` answers 202 with the task id and a `Location` to poll (LOC's async API route). */
export const httpTriggerSpec = z.strictObject({
  kind: z.literal('http'),
  method: z.enum(HTTP_METHODS),
  /** API Gateway route syntax: `/orders/{id}`, `/files/{proxy+}`; not under `/sluice`. */
  path: z.string().min(1).max(1024).startsWith('/'),
  mode: z.enum(['sync', 'async']).default('sync'),
  /** Who may call it: an authorizer of `provider.httpApi.authorizers` (with JWT scopes), or `aws_iam`. Unset: anyone, as a static route without one. */
  authorizer: z.union([z.literal('aws_iam'), z.strictObject({ name: z.string().min(1).max(128), scopes: z.array(z.string().min(1).max(256)).max(50).optional() })]).optional(),
});


const isoInstant = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)), {
  message: 'must be an ISO-8601 instant with a zone, e.g. 2026-12-01T09:00:00Z',
});

/** A schedule: `cron(...)`, `rate(...)` or `at(yyyy-mm-ddThh:mm:ss)`, in an IANA time zone (EventBridge Scheduler's rules). */
export const scheduleTriggerSpec = z.strictObject({
  kind: z.literal('schedule'),
  expression: z.string().min(1).max(256),
  /** IANA name, e.g. `Europe/Berlin`; default UTC. */
  timezone: z.string().min(1).max(64).optional(),
  /** How a firing treats the previous task of the same trigger still running (LOC skips). */
  overlap: z.enum(OVERLAP_POLICIES).default(DEFAULT_OVERLAP),
  /** The firing's `input` (`ctx.input`). */
  input: z.unknown().optional(),
  startAt: isoInstant.optional(),
  endAt: isoInstant.optional(),
});

/** A subscription of the process to a declared queue (streaming ETL). */
export const queueTriggerSpec = z.strictObject({
  kind: z.literal('queue'),
  queue: z.string().min(1).max(80),
  batchSize: z.number().int().min(1).max(10_000).default(10),
  /** Seconds to gather a batch. */
  maximumBatchingWindow: z.number().int().min(0).max(300).default(0),
});

/** A data-event subscription: an exact label, `prefix.*` or `*`, with optional source/target filters. */
export const eventTriggerSpec = z.strictObject({
  kind: z.literal('event'),
  label: z.string().min(1).max(256),
  source: z.string().min(1).max(1024).optional(),
  target: z.string().min(1).max(1024).optional(),
});

export const triggerSpec = z.discriminatedUnion('kind', [httpTriggerSpec, scheduleTriggerSpec, queueTriggerSpec, eventTriggerSpec]);
export type TriggerSpec = z.infer<typeof triggerSpec>;
export type TriggerKind = TriggerSpec['kind'];
/** Every kind, read off the union itself: adding a kind to `triggerSpec` adds it to the API's filters and the CLI's choices. */
export const TRIGGER_KINDS = triggerSpec.options.map((option) => option.shape.kind.value) as [TriggerKind, ...TriggerKind[]];
