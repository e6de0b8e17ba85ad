import type { Schedule } from './parseScheduleExpression.js';

/**
 * The next `n` fire times of `schedule` strictly after `fromMs` (epoch ms,
 * ascending); fewer when it ends sooner (`at()`, `endAt`, year range). A
 * `startAt` in the future is honoured: the list starts there.
 */
export function nextFirings(schedule: Schedule, fromMs: number, n: number): number[] {
  const out: number[] = [];
  for (let next = schedule.nextAfter(fromMs); next !== undefined && out.length < n; next = schedule.nextAfter(next)) out.push(next);
  return out;
}
