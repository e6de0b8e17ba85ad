/**
 * Expected firings of cron schedules in IANA time zones around the 2026
 * daylight-saving transitions (Europe/Berlin, America/New_York,
 * Australia/Sydney; Asia/Kolkata has none), worked out by hand and checked
 * with Intl alone in zonedSchedule.test.ts; the embedded runtime's
 * ScheduleRunner is driven through the same table on the ManualClock.
 */
export interface Case {
  label: string;
  zone: string;
  expression: string;
  from: string;
  /** The expected firings, UTC. */
  utc: string[];
  /** What the zone's clock shows at each of them. */
  local: string[];
  /** The offset in force at each of them (Intl's spelling). */
  offsets: string[];
  /** Indexes into `utc` of firings on a repeated (fall-back) local time. */
  ambiguous?: number[];
  /** Local times of these days that the expression names but that do not exist. */
  gaps?: string[];
}

export const CASES: Case[] = [
  {
    label: 'Berlin 02:30 across spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): skipped that day',
    zone: 'Europe/Berlin',
    expression: 'cron(30 2 * * ? *)',
    from: '2026-03-27T12:00:00Z',
    utc: ['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z'],
    local: ['2026-03-28T02:30', '2026-03-30T02:30', '2026-03-31T02:30'],
    offsets: ['GMT+01:00', 'GMT+02:00', 'GMT+02:00'],
    gaps: ['2026-03-29T02:30'],
  },
  {
    label: 'Berlin 02:30 across fall back (2026-10-25, 03:00 CEST -> 02:00 CET): once, at the CEST instant',
    zone: 'Europe/Berlin',
    expression: 'cron(30 2 * * ? *)',
    from: '2026-10-23T12:00:00Z',
    utc: ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    local: ['2026-10-24T02:30', '2026-10-25T02:30', '2026-10-26T02:30'],
    offsets: ['GMT+02:00', 'GMT+02:00', 'GMT+01:00'],
    ambiguous: [1],
  },
  {
    label: 'Berlin 01:30 on both transition days: untouched',
    zone: 'Europe/Berlin',
    expression: 'cron(30 1 29 3 ? 2026)',
    from: '2026-01-01T00:00:00Z',
    utc: ['2026-03-29T00:30:00.000Z'],
    local: ['2026-03-29T01:30'],
    offsets: ['GMT+01:00'],
  },
  {
    label: 'Berlin every 20 minutes of hour 2 on the fall-back day: the first pass only',
    zone: 'Europe/Berlin',
    expression: 'cron(0/20 2 * * ? *)',
    from: '2026-10-24T23:00:00Z',
    utc: ['2026-10-25T00:00:00.000Z', '2026-10-25T00:20:00.000Z', '2026-10-25T00:40:00.000Z', '2026-10-26T01:00:00.000Z'],
    local: ['2026-10-25T02:00', '2026-10-25T02:20', '2026-10-25T02:40', '2026-10-26T02:00'],
    offsets: ['GMT+02:00', 'GMT+02:00', 'GMT+02:00', 'GMT+01:00'],
    ambiguous: [0, 1, 2],
  },
  {
    label: 'New York 02:30 across spring forward (2026-03-08, 02:00 EST -> 03:00 EDT)',
    zone: 'America/New_York',
    expression: 'cron(30 2 * * ? *)',
    from: '2026-03-07T00:00:00Z',
    utc: ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
    local: ['2026-03-07T02:30', '2026-03-09T02:30'],
    offsets: ['GMT-05:00', 'GMT-04:00'],
    gaps: ['2026-03-08T02:30'],
  },
  {
    label: 'New York 01:30 across fall back (2026-11-01, 02:00 EDT -> 01:00 EST): once, at the EDT instant',
    zone: 'America/New_York',
    expression: 'cron(30 1 * * ? *)',
    from: '2026-10-31T00:00:00Z',
    utc: ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    local: ['2026-10-31T01:30', '2026-11-01T01:30', '2026-11-02T01:30'],
    offsets: ['GMT-04:00', 'GMT-04:00', 'GMT-05:00'],
    ambiguous: [1],
  },
  {
    label: 'New York every 30 minutes on the spring-forward night: 02:00 and 02:30 do not exist',
    zone: 'America/New_York',
    expression: 'cron(0/30 * * * ? *)',
    from: '2026-03-08T05:50:00Z',
    utc: ['2026-03-08T06:00:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z'],
    local: ['2026-03-08T01:00', '2026-03-08T01:30', '2026-03-08T03:00', '2026-03-08T03:30'],
    offsets: ['GMT-05:00', 'GMT-05:00', 'GMT-04:00', 'GMT-04:00'],
    gaps: ['2026-03-08T02:00', '2026-03-08T02:30'],
  },
  {
    label: 'New York every 30 minutes on the fall-back night: the repeated hour does not fire again',
    zone: 'America/New_York',
    expression: 'cron(0/30 * * * ? *)',
    from: '2026-11-01T04:50:00Z',
    utc: ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T07:30:00.000Z'],
    local: ['2026-11-01T01:00', '2026-11-01T01:30', '2026-11-01T02:00', '2026-11-01T02:30'],
    offsets: ['GMT-04:00', 'GMT-04:00', 'GMT-05:00', 'GMT-05:00'],
    ambiguous: [0, 1],
  },
  {
    label: 'Sydney 02:30 across fall back (2026-04-05, 03:00 AEDT -> 02:00 AEST): once, at the AEDT instant',
    zone: 'Australia/Sydney',
    expression: 'cron(30 2 * * ? *)',
    from: '2026-04-03T00:00:00Z',
    utc: ['2026-04-03T15:30:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z'],
    local: ['2026-04-04T02:30', '2026-04-05T02:30', '2026-04-06T02:30'],
    offsets: ['GMT+11:00', 'GMT+11:00', 'GMT+10:00'],
    ambiguous: [1],
  },
  {
    label: 'Sydney 02:30 across spring forward (2026-10-04, 02:00 AEST -> 03:00 AEDT): skipped that day',
    zone: 'Australia/Sydney',
    expression: 'cron(30 2 * * ? *)',
    from: '2026-10-02T00:00:00Z',
    utc: ['2026-10-02T16:30:00.000Z', '2026-10-04T15:30:00.000Z'],
    local: ['2026-10-03T02:30', '2026-10-05T02:30'],
    offsets: ['GMT+10:00', 'GMT+11:00'],
    gaps: ['2026-10-04T02:30'],
  },
  {
    label: 'Sydney 01:30 on its transition days: untouched',
    zone: 'Australia/Sydney',
    expression: 'cron(30 1 * * ? *)',
    from: '2026-10-03T00:00:00Z',
    utc: ['2026-10-03T15:30:00.000Z', '2026-10-04T14:30:00.000Z'],
    local: ['2026-10-04T01:30', '2026-10-05T01:30'],
    offsets: ['GMT+10:00', 'GMT+11:00'],
  },
  {
    label: 'Kolkata 02:30 (no daylight saving time, +05:30) on the others\' transition days',
    zone: 'Asia/Kolkata',
    expression: 'cron(30 2 * * ? *)',
    from: '2026-03-28T00:00:00Z',
    utc: ['2026-03-28T21:00:00.000Z', '2026-03-29T21:00:00.000Z'],
    local: ['2026-03-29T02:30', '2026-03-30T02:30'],
    offsets: ['GMT+05:30', 'GMT+05:30'],
  },
  {
    label: 'Kolkata 01:30 on the last Sunday of October',
    zone: 'Asia/Kolkata',
    expression: 'cron(30 1 ? 10 1L 2026)',
    from: '2026-01-01T00:00:00Z',
    utc: ['2026-10-24T20:00:00.000Z'],
    local: ['2026-10-25T01:30'],
    offsets: ['GMT+05:30'],
  },
];

