/**
 * `YYYY-MM-DD HH:MM:SS[.fraction][±HH[:MM[:SS]]]` (PostgreSQL's ISO output
 * style, MySQL's DATETIME text) → `2026-11-29T12:00:00.000Z`. No offset: the
 * time is read as UTC (a timestamp without time zone, a DATETIME). The
 * fraction is cut to milliseconds (JavaScript's precision).
 *
 * Every year from 0001 to 9999 reads as ISO-8601. Text outside that range
 * (`infinity`, BC dates, years past 9999, MySQL's zero date
 * `0000-00-00 00:00:00`) comes back unchanged.
 */
export function isoTimestamp(text: string): string {
  const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/.exec(text);
  if (match === null) return text;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes, offsetSeconds] = match;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  // MySQL's zero date (and its zero month or day) is no instant.
  if (Number(year) < 1 || Number(month) < 1 || Number(day) < 1) return text;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), ms);
  let epochMs = date.getTime();
  if (sign !== undefined) {
    const offsetMs = ((Number(offsetHours) * 60 + Number(offsetMinutes ?? 0)) * 60 + Number(offsetSeconds ?? 0)) * 1000;
    epochMs -= sign === '+' ? offsetMs : -offsetMs;
  }
  if (Number.isNaN(epochMs)) return text;
  const instant = new Date(epochMs);
  // An offset can carry 0001-01-01 into year 0 (1 BC), or 9999-12-31 into 10000.
  const utcYear = instant.getUTCFullYear();
  return utcYear < 1 || utcYear > 9999 ? text : instant.toISOString();
}
