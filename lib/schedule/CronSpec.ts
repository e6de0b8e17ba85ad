/**
 * An AWS cron expression after validation: every plain field expanded to the
 * sorted set of values it allows, and the day fields folded into one
 * {@link DayRule} (AWS requires exactly one of them to be `?`).
 *
 * Day-of-week numbers use AWS numbering throughout: 1 = Sunday ... 7 = Saturday.
 */
export interface CronSpec {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly number[];
  /** Within 1970-2199, the years AWS accepts. */
  readonly years: readonly number[];
  readonly day: DayRule;
}

/** Which days of a month match; one variant per AWS day-field form. */
export type DayRule =
  /** Day-of-month values, day-of-week `?`: `1,15`, `*`, `1-31/2`. */
  | { readonly kind: 'daysOfMonth'; readonly days: readonly number[] }
  /** Day-of-month `L`: the last day of the month. */
  | { readonly kind: 'lastDayOfMonth' }
  /**
   * Day-of-month `L-n`: n days before the last day (`L-2` in a 28-day
   * February is the 26th); no fire in a month with fewer than n + 1 days.
   */
  | { readonly kind: 'daysBeforeLastDayOfMonth'; readonly offset: number }
  /** Day-of-month `LW`: the last Monday-to-Friday day of the month. */
  | { readonly kind: 'lastWeekdayOfMonth' }
  /** Day-of-month `15W`: the Monday-to-Friday day nearest the 15th, never leaving the month. */
  | { readonly kind: 'nearestWeekday'; readonly day: number }
  /** Day-of-week values, day-of-month `?`: `MON-FRI`, `2`, `L` (= 7, Saturday). */
  | { readonly kind: 'daysOfWeek'; readonly days: readonly number[] }
  /** Day-of-week `6L`: the last Friday of the month. */
  | { readonly kind: 'lastDayOfWeek'; readonly dayOfWeek: number }
  /** Day-of-week `3#2`: the second Tuesday of the month. */
  | { readonly kind: 'nthDayOfWeek'; readonly dayOfWeek: number; readonly nth: number };
