import { describe, expect, it } from 'vitest';
import { MAX_INSTANT_MS, MIN_INSTANT_MS, parseInstant } from '../../../lib/core/time/parseInstant.js';

const iso = (value: string) => {
  const instant = parseInstant(value);
  return instant.ok ? instant.iso : `refused: ${instant.message}`;
};

describe('parseInstant: the one rule of time filters', () => {
  it('reads dates, times with Z or an offset, any precision, into UTC with milliseconds', () => {
    expect(iso('2026-11-29')).toBe('2026-11-29T00:00:00.000Z');
    expect(iso('2026-11-29T10:00Z')).toBe('2026-11-29T10:00:00.000Z');
    expect(iso('2026-11-29T10:00:00Z')).toBe('2026-11-29T10:00:00.000Z');
    expect(iso('2026-11-29T11:00:00+01:00')).toBe('2026-11-29T10:00:00.000Z');
    expect(iso('2026-11-29T11:00:00+0100')).toBe('2026-11-29T10:00:00.000Z');
    expect(iso('2026-11-29T10:00:00.123456789Z')).toBe('2026-11-29T10:00:00.123Z');
    expect(iso('2026-11-29T10:00:00.5-00:30')).toBe('2026-11-29T10:30:00.500Z');
    expect(iso('2028-02-29')).toBe('2028-02-29T00:00:00.000Z');
    // The edges of the canonical form, years 0000 and 9999 (Date.UTC would read year 0 as 1900).
    expect(iso('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00.000Z');
    expect(iso('0000-02-29')).toBe('0000-02-29T00:00:00.000Z');
    expect(iso('0001-01-01T00:00:00+00:00')).toBe('0001-01-01T00:00:00.000Z');
    expect(iso('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
    expect(iso('9999-12-31T23:59:59-00:00')).toBe('9999-12-31T23:59:59.000Z');
    expect(new Date(MIN_INSTANT_MS).toISOString()).toBe('0000-01-01T00:00:00.000Z');
    expect(new Date(MAX_INSTANT_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses what is not an instant, saying why', () => {
    expect(iso('9999-12-31T23:59:59-14:00')).toMatch(/outside the years 0000-9999 once in UTC/);
    expect(iso('0000-01-01T00:00:00+14:00')).toMatch(/outside the years 0000-9999 once in UTC/);
    expect(iso('2026-02-30')).toMatch(/not a day of the calendar/);
    expect(iso('2026-13-01T00:00:00Z')).toMatch(/not a day of the calendar/);
    expect(iso('2026-00-10')).toMatch(/not a day of the calendar/);
    expect(iso('2027-02-29')).toMatch(/not a day of the calendar/);
    expect(iso('2026-01-01T24:00:00Z')).toMatch(/not a time of day/);
    expect(iso('2026-01-01T10:60:00Z')).toMatch(/not a time of day/);
    expect(iso('2026-01-01T10:00:60Z')).toMatch(/not a time of day/);
    expect(iso('2026-01-01T10:00:00+24:00')).toMatch(/no valid offset/);
    for (const value of ['yesterday', '', '2026-01-01T10:00:00', '2026-01-01T10:00:00z', '+010000-01-01T00:00:00.000Z', '-000001-12-31T00:00:00.000Z', '2026-1-1', '2026-01-01 10:00:00Z', '1764410400000']) {
      expect(iso(value), value).toMatch(/not an ISO-8601 instant/);
    }
  });
});
