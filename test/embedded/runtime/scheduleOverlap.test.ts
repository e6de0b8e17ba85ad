import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { staticRuleId } from '../../../lib/embedded/workers/ScheduleRunner.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const OVERLAP = resolve(import.meta.dirname, '../../fixtures/schedules/overlap.yml');
const ZONES = resolve(import.meta.dirname, '../../fixtures/schedules/zones.yml');
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-overlap-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every task of a process: `[scheduledTime, status]`, oldest first. */
async function firings(h: Harness, process: string): Promise<Array<[string, string]>> {
  const page = await h.call(`/sluice/tasks?process=${process}&limit=100`);
  return (page.body.items as TaskRecord[])
    .map((t): [string, string] => [(t.trigger as { scheduledTime: string }).scheduledTime, t.status])
    .sort(([a], [b]) => a.localeCompare(b));
}

const waitFor = (h: Harness, process: string, expected: Array<[string, string]>) =>
  eventually(async () => {
    const all = await firings(h, process);
    return JSON.stringify(all) === JSON.stringify(expected) ? all : undefined;
  }, { what: `${process}: ${JSON.stringify(expected)}` });

describe('embedded runtime: overlap policies with a slow task (ManualClock)', () => {
  /** Starts the overlap service with every gate but `process`'s open. */
  async function start(process: string) {
    const gates = tempDir();
    for (const other of ['slowskip', 'slowbuffer', 'slowallow']) if (other !== process) writeFileSync(join(gates, other), '');
    const clock = new ManualClock(at('2026-06-05T10:00:30Z'));
    const h = await startHarness({ configPath: OVERLAP, dataDir: tempDir(), clock, env: { GATE_DIR: gates } });
    return { h, clock, open: () => writeFileSync(join(gates, process), '') };
  }

  it("skip (the default): a firing while the previous task runs is dropped and recorded with its reason; the next one after it finished fires", async () => {
    const { h, clock, open } = await start('slowskip');
    const id = staticRuleId('slowskip', 'slowskip-schedule-1');
    try {
      await clock.advanceTo(at('2026-06-05T10:01:00Z'));
      await waitFor(h, 'slowskip', [['2026-06-05T10:01:00.000Z', 'running']]);
      await clock.advanceTo(at('2026-06-05T10:02:00Z'));
      await clock.advanceTo(at('2026-06-05T10:03:00Z'));
      const skipped = await eventually(() => (h.runtime.schedules.skipped(id).length === 2 ? h.runtime.schedules.skipped(id) : undefined), { what: 'two skips' });
      expect(skipped.map((s) => iso(s.dueMs))).toEqual(['2026-06-05T10:03:00.000Z', '2026-06-05T10:02:00.000Z']);
      expect(skipped[0]!.reason).toMatch(/^the previous task [\w-]{30} is still running$/);
      expect(skipped[0]!.recordedMs).toBe(at('2026-06-05T10:03:00Z'));
      open();
      await waitFor(h, 'slowskip', [['2026-06-05T10:01:00.000Z', 'succeeded']]);
      await clock.advanceTo(at('2026-06-05T10:04:00Z'));
      await waitFor(h, 'slowskip', [
        ['2026-06-05T10:01:00.000Z', 'succeeded'],
        ['2026-06-05T10:04:00.000Z', 'succeeded'],
      ]);
      expect(h.runtime.schedules.skipped(id, 1).map((s) => iso(s.dueMs))).toEqual(['2026-06-05T10:03:00.000Z']);
    } finally {
      open();
      await h.stop();
    }
  });

  it('buffer_one: one firing waits for the previous task and then runs with its own due time; a further one is skipped', async () => {
    const { h, clock, open } = await start('slowbuffer');
    const id = staticRuleId('slowbuffer', 'slowbuffer-schedule-1');
    try {
      await clock.advanceTo(at('2026-06-05T10:01:00Z'));
      await waitFor(h, 'slowbuffer', [['2026-06-05T10:01:00.000Z', 'running']]);
      await clock.advanceTo(at('2026-06-05T10:02:00Z'));
      await clock.advanceTo(at('2026-06-05T10:03:00Z'));
      await eventually(() => h.runtime.schedules.skipped(id).length === 1, { what: 'one skip' });
      expect(h.runtime.schedules.skipped(id)[0]!.reason).toMatch(/already waiting/);
      expect(await firings(h, 'slowbuffer')).toEqual([['2026-06-05T10:01:00.000Z', 'running']]);
      open();
      await waitFor(h, 'slowbuffer', [['2026-06-05T10:01:00.000Z', 'succeeded']]);
      await clock.advanceTo(at('2026-06-05T10:03:02Z')); // the held firing checks every second
      await waitFor(h, 'slowbuffer', [
        ['2026-06-05T10:01:00.000Z', 'succeeded'],
        ['2026-06-05T10:02:00.000Z', 'succeeded'],
      ]);
    } finally {
      open();
      await h.stop();
    }
  });

  it('allow: every firing fires while the previous task runs, nothing is recorded as skipped', async () => {
    const { h, clock, open } = await start('slowallow');
    try {
      await clock.advanceTo(at('2026-06-05T10:01:00Z'));
      await waitFor(h, 'slowallow', [['2026-06-05T10:01:00.000Z', 'running']]);
      await clock.advanceTo(at('2026-06-05T10:02:00Z'));
      await eventually(async () => (await firings(h, 'slowallow')).length === 2, { what: 'two tasks' });
      expect(h.runtime.schedules.skipped(staticRuleId('slowallow', 'slowallow-schedule-1'))).toEqual([]);
    } finally {
      open();
      await h.stop();
    }
  });
});

describe('embedded runtime: time zones and at() (ManualClock)', () => {
  it('a Europe/Berlin 02:30 cron skips the spring-forward day and shows its next firings', async () => {
    const clock = new ManualClock(at('2026-03-27T12:00:00Z'));
    const h = await startHarness({ configPath: ZONES, dataDir: tempDir(), clock });
    try {
      expect(h.runtime.schedules.upcoming(staticRuleId('berlin', 'berlin-schedule-1'), 4).map(iso)).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
        '2026-03-31T00:30:00.000Z',
        '2026-04-01T00:30:00.000Z',
      ]);
      // One day at a time: each task finishes (in real time) before the clock jumps past the next firing.
      await clock.advanceTo(at('2026-03-28T12:00:00Z'));
      await waitFor(h, 'berlin', [['2026-03-28T01:30:00.000Z', 'succeeded']]);
      await clock.advanceTo(at('2026-03-29T12:00:00Z'));
      await clock.advanceTo(at('2026-03-30T12:00:00Z'));
      await waitFor(h, 'berlin', [
        ['2026-03-28T01:30:00.000Z', 'succeeded'],
        ['2026-03-30T00:30:00.000Z', 'succeeded'],
      ]);
    } finally {
      await h.stop();
    }
  });

  it('at() fires once, and not again after a restart; then it shows no next firing', async () => {
    const dir = tempDir();
    let clock = new ManualClock(at('2026-03-29T09:00:00Z'));
    const first = await startHarness({ configPath: ZONES, dataDir: dir, clock });
    const id = staticRuleId('once', 'once-schedule-1');
    expect(first.runtime.schedules.upcoming(id, 5).map(iso)).toEqual(['2026-03-29T10:00:00.000Z']); // 12:00 CEST
    await clock.advanceTo(at('2026-03-29T10:30:00Z'));
    await waitFor(first, 'once', [['2026-03-29T10:00:00.000Z', 'succeeded']]);
    await first.stop();

    clock = new ManualClock(at('2026-03-29T11:00:00Z'));
    const second = await startHarness({ configPath: ZONES, dataDir: dir, clock });
    try {
      expect(second.runtime.schedules.upcoming(id, 5)).toEqual([]);
      await clock.advanceTo(at('2026-03-30T11:00:00Z'));
      expect(await firings(second, 'once')).toEqual([['2026-03-29T10:00:00.000Z', 'succeeded']]);
    } finally {
      await second.stop();
    }
  });

  it('at() due while the runtime was down is caught up once, and only once', async () => {
    const dir = tempDir();
    const first = await startHarness({ configPath: ZONES, dataDir: dir, clock: new ManualClock(at('2026-03-29T09:00:00Z')) });
    await first.stop();
    const second = await startHarness({ configPath: ZONES, dataDir: dir, clock: new ManualClock(at('2026-03-29T11:00:00Z')) });
    await waitFor(second, 'once', [['2026-03-29T10:00:00.000Z', 'succeeded']]);
    await second.stop();
    const third = await startHarness({ configPath: ZONES, dataDir: dir, clock: new ManualClock(at('2026-03-29T12:00:00Z')) });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await firings(third, 'once')).toEqual([['2026-03-29T10:00:00.000Z', 'succeeded']]);
    } finally {
      await third.stop();
    }
  });
});
