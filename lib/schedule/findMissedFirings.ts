import type { Schedule } from './parseScheduleExpression.js';

/** What {@link findMissedFirings} found. */
export interface MissedFirings {
  /** How many firings fell due in the window; a lower bound when `exact` is false. */
  count: number;
  exact: boolean;
  /** The latest `keep` of them (fewer if fewer fell due), oldest first, epoch ms. */
  latest: number[];
}

/** Walking further than this many firings to count them is not worth the start-up time. */
const COUNT_LIMIT = 10_000;
const HOUR_MS = 3_600_000;
/** Windows ending at `nowMs` tried, shortest first, to find the latest firings when there are too many to walk. */
const RECENT_WINDOWS_MS = [HOUR_MS, 24 * HOUR_MS, 31 * 24 * HOUR_MS, 366 * 24 * HOUR_MS];

/**
 * The firings of `schedule` due in `(afterMs, nowMs]`: those missed while a
 * runtime was down. Counts up to 10,000 (a minute-by-minute cron down for a
 * week), then reports a lower bound and looks for the latest firings from
 * windows ending at `nowMs` instead.
 *
 * @param keep how many of the latest firings to return (>= 1)
 */
export function findMissedFirings(schedule: Schedule, afterMs: number, nowMs: number, keep: number): MissedFirings {
  const walk = (fromMs: number): number[] => {
    const dues: number[] = [];
    for (let due = schedule.nextAfter(fromMs); due !== undefined && due <= nowMs && dues.length < COUNT_LIMIT; due = schedule.nextAfter(due)) dues.push(due);
    return dues;
  };
  const all = walk(afterMs);
  if (all.length < COUNT_LIMIT) return { count: all.length, exact: true, latest: all.slice(-keep) };
  for (const windowMs of RECENT_WINDOWS_MS) {
    const recent = walk(Math.max(afterMs, nowMs - windowMs));
    if (recent.length >= COUNT_LIMIT) break; // the window is already too crowded to reach its end
    if (recent.length >= keep) return { count: COUNT_LIMIT, exact: false, latest: recent.slice(-keep) };
  }
  // Unreachable for a schedule with at most one firing per minute; stay correct anyway: walk the rest in steps.
  let tail = all;
  for (;;) {
    const next = walk(tail[tail.length - 1]!);
    tail = tail.slice(-keep).concat(next);
    if (next.length < COUNT_LIMIT) break;
  }
  return { count: COUNT_LIMIT, exact: false, latest: tail.slice(-keep) };
}
