import * as z from 'zod';
import { ValidationError } from '../errors.js';
import { parseInstant } from '../time/parseInstant.js';

/**
 * A window of creation times: a task is in it when `since` ≤ `createdAt` <
 * `until` (either bound may be absent). The one time filter of task lists
 * (`GET /sluice/tasks?since=&until=`), task counts and bulk replay.
 *
 * Both bounds are ISO-8601 UTC with milliseconds (`2026-11-29T10:00:00.000Z`,
 * what `Date.prototype.toISOString` writes and `createdAt` holds), so that
 * every store compares them with `createdAt` as strings: in SQL, in a
 * DynamoDB key condition, in memory.
 */
export interface CreatedWindow {
  since?: string;
  until?: string;
}

/** The form of `createdAt` and of a window's bounds. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An instant at the API boundary, by the one rule of time filters
 * ({@link parseInstant}: a date, or a time with `Z` or an offset, within
 * the years 0000-9999 in UTC), turned into the canonical form of
 * {@link CreatedWindow}. A refusal is an issue at the field's own path
 * (`since`, `filter.until`).
 */
export const isoInstant = z.string().transform((value, ctx) => {
  const instant = parseInstant(value);
  if (instant.ok) return instant.iso;
  ctx.addIssue({ code: 'custom', message: instant.message });
  return z.NEVER;
});

/** Why a window is refused as reversed (`until` before `since`), or undefined; both bounds canonical. */
export function reversedWindow(window: CreatedWindow): string | undefined {
  return window.since !== undefined && window.until !== undefined && window.until < window.since ? `must not be before since (${window.since})` : undefined;
}

/**
 * The routes' zod check of a window's order (`.superRefine(windowOrder)` on
 * the object holding `since` and `until`): a reversed window is an issue at
 * `until`, a 400 on every route, never an empty page.
 */
export function windowOrder(window: CreatedWindow, ctx: z.RefinementCtx): void {
  const reversed = reversedWindow(window);
  if (reversed) ctx.addIssue({ code: 'custom', path: ['until'], message: reversed });
}

/** Whether `createdAt` (canonical) falls in `window`. */
export function createdWithin(createdAt: string, window: CreatedWindow): boolean {
  return (window.since === undefined || createdAt >= window.since) && (window.until === undefined || createdAt < window.until);
}

/**
 * The stores' check of a window handed to them (the routes have already
 * normalized it with {@link isoInstant}).
 *
 * @throws {ValidationError} naming `since` / `until` when one is not canonical, `until` when it is before `since`
 */
export function assertCreatedWindow(window: CreatedWindow, where = 'task query'): void {
  const issues: Array<{ path: string; message: string }> = [];
  for (const bound of ['since', 'until'] as const) {
    const value = window[bound];
    if (value !== undefined && (!CANONICAL_INSTANT.test(value) || Number.isNaN(Date.parse(value)))) {
      issues.push({ path: bound, message: 'must be an ISO-8601 UTC instant with milliseconds (2026-11-29T10:00:00.000Z)' });
    }
  }
  if (issues.length === 0) {
    const reversed = reversedWindow(window);
    if (reversed) issues.push({ path: 'until', message: reversed });
  }
  if (issues.length > 0) throw new ValidationError(`invalid ${where}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}
