/**
 * The one rule for an instant given from outside as a time filter (query
 * parameters and bodies: task lists, task counts, bulk replay, event search,
 * the OpenLineage export):
 *
 * - `YYYY-MM-DD` (UTC midnight), or `YYYY-MM-DDTHH:MM[:SS[.fraction]]`
 *   with `Z` or an offset `±HH:MM` / `±HHMM` (a time without a zone would be read in
 *   the machine's zone); a fraction beyond milliseconds is cut;
 * - a day of the (proleptic Gregorian) calendar, `HH` 00–23, `MM`/`SS`
 *   00–59, offset hours 00–23;
 * - in UTC, within the years 0000–9999: the canonical form
 *   (`2026-11-29T10:00:00.000Z`, what `createdAt` holds) is compared as a
 *   string by every store, and `toISOString` writes other years as
 *   `+010000-…` / `-000001-…`, which would compare wrongly.
 *
 * @returns the canonical form, or why the text is refused (for a message naming the parameter)
 */
export function parseInstant(value: string): { ok: true; iso: string } | { ok: false; message: string } {
  const match = INSTANT.exec(value);
  if (!match) return { ok: false, message: `${quote(value)} is not an ISO-8601 instant: a date (2026-11-29) or a time with Z or an offset (2026-11-29T10:00:00Z, 2026-11-29T11:00:00+01:00)` };
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (month < 1 || month > 12 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return { ok: false, message: `${quote(value)} is not a day of the calendar (e.g. 2026-02-30)` };
  }
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, message: `${quote(value)} is not a time of day (hours 00-23, minutes and seconds 00-59)` };
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMins = Number(zone.slice(-2));
    if (offsetHours > 23 || offsetMins > 59) return { ok: false, message: `${quote(value)} has no valid offset (±00:00 to ±23:59)` };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const ms = date.getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) return { ok: false, message: `${quote(value)} is outside the years 0000-9999 once in UTC` };
  return { ok: true, iso: new Date(ms).toISOString() };
}

/** A date, or a date and time with a zone (groups: year, month, day, hour, minute, second, fraction, zone). */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2}))?$/;
/** The first and last instants of the canonical form: 0000-01-01T00:00:00.000Z (built with setUTCFullYear: `Date.UTC` reads years 0-99 as 1900-1999) and 9999-12-31T23:59:59.999Z. */
export const MIN_INSTANT_MS = new Date(0).setUTCFullYear(0, 0, 1);
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
