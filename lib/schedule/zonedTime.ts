/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl`: the
 * tz database Node ships is the one source of offsets (as EventBridge
 * Scheduler uses the IANA database).
 *
 * A "wall time" is a local date and time written as if it were UTC epoch ms:
 * `Date.UTC(2026, 2, 29, 2, 30)` stands for 02:30 local on 2026-03-29,
 * whatever the zone. croner and the cron search run on wall times; these
 * functions cross between wall times and instants.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** IANA names (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `UTC`, `Etc/GMT+5`); no offsets such as `+01:00`. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, format);
  }
  return format;
}

/**
 * Whether `zone` is an IANA time zone name this Node knows (its `Intl`, the
 * tz database it was built with).
 */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || !IANA_NAME.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall time (see above) of the instant `instantMs` in `zone`, to the millisecond. */
export function wallClockOf(instantMs: number, zone: string): number {
  const parts: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(instantMs)) parts[part.type] = part.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const seconds = Date.UTC(0, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  // Date.UTC maps years 0-99 to 1900-1999: set the year apart.
  const wall = new Date(seconds);
  wall.setUTCFullYear(year);
  return wall.getTime() + (((instantMs % 1000) + 1000) % 1000);
}

const DAY_MS = 86_400_000;

/**
 * The instants at which the local clock of `zone` reads `wallMs`, earliest
 * first: none in a spring-forward gap, two in a fall-back overlap, else one.
 * Offsets are sampled a day either side, which holds for every zone whose
 * offset changes at most once in two days (all of the tz database today).
 */
export function instantsAtWallClock(wallMs: number, zone: string): number[] {
  const offsets = new Set([wallClockOf(wallMs - DAY_MS, zone) - (wallMs - DAY_MS), wallClockOf(wallMs + DAY_MS, zone) - (wallMs + DAY_MS)]);
  const instants = [...offsets].map((offset) => wallMs - offset).filter((instant) => wallClockOf(instant, zone) === wallMs);
  return [...new Set(instants)].sort((a, b) => a - b);
}
