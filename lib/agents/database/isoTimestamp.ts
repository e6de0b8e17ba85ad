/**
 * `YYYY-MM-DD HH:MM:SS[.fraction][±HH[:MM[:SS]]]` (PostgreSQL's ISO output
 * style, MySQL's DATETIME text) → `2026-11-29T12:00:00.000Z`. No offset: the
 * time is read as UTC (a timestamp without time zone, a DATETIME). The
 * fraction is cut to milliseconds (JavaScript's precision).
 *
 * Text a `Date` cannot hold (`infinity`, BC dates, years past 9999, MySQL's
 * zero date `0000-00-00 00:00:00`) comes back unchanged.
 */
export function isoTimestamp(text: string): string {
  const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/.exec(text);
  if (match === null) return text;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes, offsetSeconds] = match;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  let epochMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), ms);
  if (sign !== undefined) {
    const offsetMs = ((Number(offsetHours) * 60 + Number(offsetMinutes ?? 0)) * 60 + Number(offsetSeconds ?? 0)) * 1000;
    epochMs -= sign === '+' ? offsetMs : -offsetMs;
  }
  // Date.UTC maps years 0-99 to 1900-1999; such dates (and zero dates) are left as text.
  if (Number(year) < 100 || Number.isNaN(epochMs)) return text;
  return new Date(epochMs).toISOString();
}
