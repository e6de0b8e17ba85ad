import * as z from 'zod';
import { ValidationError } from '../errors.js';

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
 * An instant at the API boundary: ISO-8601 with `Z` or an offset, any
 * precision (`2026-11-29T10:00:00Z`, `2026-11-29T11:00:00+01:00`), turned
 * into the canonical form of {@link CreatedWindow}.
 */
export const isoInstant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

/** Whether `createdAt` (canonical) falls in `window`. */
export function createdWithin(createdAt: string, window: CreatedWindow): boolean {
  return (window.since === undefined || createdAt >= window.since) && (window.until === undefined || createdAt < window.until);
}

/**
 * The stores' check of a window handed to them (the routes have already
 * normalized it with {@link isoInstant}).
 *
 * @throws {ValidationError} naming `since` / `until` when one is not canonical
 */
export function assertCreatedWindow(window: CreatedWindow, where = 'task query'): void {
  const issues: Array<{ path: string; message: string }> = [];
  for (const bound of ['since', 'until'] as const) {
    const value = window[bound];
    if (value !== undefined && (!CANONICAL_INSTANT.test(value) || Number.isNaN(Date.parse(value)))) {
      issues.push({ path: bound, message: 'must be an ISO-8601 UTC instant with milliseconds (2026-11-29T10:00:00.000Z)' });
    }
  }
  if (issues.length > 0) throw new ValidationError(`invalid ${where}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}
