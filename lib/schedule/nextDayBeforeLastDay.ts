import type { CronSpec } from './CronSpec.js';

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The next fire time strictly after `afterMs` of a spec whose day rule is
 * `L-n` (n days before the last day of the month), or undefined after 2199.
 *
 * croner has no `L-n`, so this walks the allowed months: one candidate day
 * per month (skipped when the month has fewer than n + 1 days), then the
 * first allowed hour and minute after `afterMs`. At most 230 x 12 months.
 *
 * @param years `spec.years` as a set, built once per schedule (this runs once per firing, up to
 *   10,000 times when counting firings missed while the runtime was down)
 * @param afterMs epoch ms, UTC
 */
export function nextDayBeforeLastDay(spec: CronSpec, years: ReadonlySet<number>, offset: number, afterMs: number): number | undefined {
  const start = new Date(Math.max(afterMs, Date.UTC(1970, 0, 1) - 1));
  let month = start.getUTCMonth() + 1;
  for (let year = start.getUTCFullYear(); year <= 2199; year++, month = 1) {
    if (!years.has(year)) continue;
    for (; month <= 12; month++) {
      if (!spec.months.includes(month)) continue;
      const day = daysInMonth(year, month) - offset;
      if (day < 1) continue;
      for (const hour of spec.hours) {
        for (const minute of spec.minutes) {
          const candidate = Date.UTC(year, month - 1, day, hour, minute);
          if (candidate > afterMs) return candidate;
        }
      }
    }
  }
  return undefined;
}
