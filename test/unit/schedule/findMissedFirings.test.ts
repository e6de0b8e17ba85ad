import { describe, expect, it } from 'vitest';
import { findMissedFirings } from '../../../lib/schedule/findMissedFirings.js';
import { parseScheduleExpression } from '../../../lib/schedule/parseScheduleExpression.js';

const at = (iso: string) => Date.parse(iso);

describe('findMissedFirings', () => {
  it('finds the firings due in (after, now], counting exactly', () => {
    const hourly = parseScheduleExpression('cron(0 * * * ? *)');
    expect(findMissedFirings(hourly, at('2026-06-05T10:00:00Z'), at('2026-06-05T13:00:00Z'), 2)).toEqual({
      count: 3,
      exact: true,
      latest: [at('2026-06-05T12:00:00Z'), at('2026-06-05T13:00:00Z')],
    });
    expect(findMissedFirings(hourly, at('2026-06-05T10:00:00Z'), at('2026-06-05T10:59:59Z'), 1)).toEqual({ count: 0, exact: true, latest: [] });
  });

  it('past 10,000 firings reports a lower bound and still the true latest ones', () => {
    const everyMinute = parseScheduleExpression('cron(* * * * ? *)');
    const missed = findMissedFirings(everyMinute, at('2026-01-01T00:00:00Z'), at('2026-03-01T12:34:56Z'), 3);
    expect(missed).toEqual({ count: 10_000, exact: false, latest: [at('2026-03-01T12:32:00Z'), at('2026-03-01T12:33:00Z'), at('2026-03-01T12:34:00Z')] });
    const rate = parseScheduleExpression('rate(1 minute)', { rateAnchorMs: at('2020-01-01T00:00:30Z') });
    expect(findMissedFirings(rate, at('2020-01-01T00:00:30Z'), at('2026-01-01T00:00:00Z'), 1).latest).toEqual([at('2025-12-31T23:59:30Z')]);
  });

  it('a schedule that ended finds only its last firings', () => {
    const ended = parseScheduleExpression('cron(0 12 1 1 ? 2027)');
    expect(findMissedFirings(ended, at('2026-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'), 5)).toEqual({ count: 1, exact: true, latest: [at('2027-01-01T12:00:00Z')] });
  });
});
