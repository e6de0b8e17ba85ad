import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import type { RuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/schedules/serverless.yml');
const at = (iso: string) => Date.parse(iso);

/** A RuntimeLog that keeps its warnings. */
function recordingLog(): RuntimeLog & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (message) => void warnings.push(message), error() {} };
}

/** Every task of a process: `[scheduledTime, catchUp, status]`, oldest first. */
async function firings(h: Harness, process: string): Promise<Array<[string, boolean, string]>> {
  const page = await h.call(`/sluice/tasks?process=${process}&limit=100`);
  return (page.body.items as TaskRecord[])
    .map((t): [string, boolean, string] => {
      const trigger = t.trigger as { scheduledTime: string; catchUp?: boolean };
      return [trigger.scheduledTime, trigger.catchUp === true, t.status];
    })
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Waits until `process` has `count` finished tasks, and returns them. */
const settled = (h: Harness, process: string, count: number) =>
  eventually(async () => {
    const all = await firings(h, process);
    return all.length === count && all.every(([, , status]) => status === 'succeeded') ? all : undefined;
  }, { what: `${count} finished task(s) of ${process}` });

describe('embedded runtime: schedules across restarts (same data directory)', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sched-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const start = (dir: string, clock: ManualClock, catchUp?: string, log: RuntimeLog = recordingLog()) =>
    startHarness({ configPath: CONFIG, dataDir: dir, clock, log, env: catchUp ? { CATCH_UP: catchUp } : {} });

  it('keeps a rate() phase anchored on the first start, not on each restart', async () => {
    const dir = dataDir();
    let clock = new ManualClock(at('2026-06-05T10:00:00Z'));
    const first = await start(dir, clock);
    await clock.advanceTo(at('2026-06-05T10:07:30Z'));
    expect(await settled(first, 'every7', 1)).toEqual([['2026-06-05T10:07:00.000Z', false, 'succeeded']]);
    await first.stop();

    // Restart at 10:10: the phase stays 10:00 + 7k, so 10:14 (a restart-anchored rate would say 10:17).
    clock = new ManualClock(at('2026-06-05T10:10:00Z'));
    const second = await start(dir, clock);
    try {
      expect(second.runtime.upcomingSchedules().find((u) => u.rule === 'every7-schedule-1')?.next).toBe(at('2026-06-05T10:14:00Z'));
      await clock.advanceTo(at('2026-06-05T10:14:30Z'));
      expect(await settled(second, 'every7', 2)).toEqual([
        ['2026-06-05T10:07:00.000Z', false, 'succeeded'],
        ['2026-06-05T10:14:00.000Z', false, 'succeeded'],
      ]);
    } finally {
      await second.stop();
    }
  });

  it('default policy (latest): runs the latest missed firing once as a catch-up, logs how many were skipped, and never again', async () => {
    const dir = dataDir();
    let clock = new ManualClock(at('2026-06-05T10:00:00Z'));
    const first = await start(dir, clock);
    await first.stop();

    // Down from 10:00 to 15:20: hourly missed 11:00..15:00 (5), direct missed 10:30..14:30 (5), every7 missed 45 (10:07..15:15).
    clock = new ManualClock(at('2026-06-05T15:20:00Z'));
    const log = recordingLog();
    const second = await start(dir, clock, undefined, log);
    try {
      expect(await settled(second, 'hourly', 1)).toEqual([['2026-06-05T15:00:00.000Z', true, 'succeeded']]);
      // A process without a task queue catches up in process, the same way.
      expect(await settled(second, 'direct', 1)).toEqual([['2026-06-05T14:30:00.000Z', true, 'succeeded']]);
      expect(await settled(second, 'every7', 1)).toEqual([['2026-06-05T15:15:00.000Z', true, 'succeeded']]);
      const hourly = log.warnings.find((w) => w.includes("'hourly-schedule-1'"));
      expect(hourly).toContain('5 firing(s) fell due while the runtime was down (since 2026-06-05T10:00:00.000Z)');
      expect(hourly).toContain("scheduleCatchUp 'latest': running 1 now as catch-up (due 2026-06-05T15:00:00.000Z), skipping 4");
      expect(log.warnings.find((w) => w.includes("'every7-schedule-1'"))).toContain('45 firing(s)');
      // Back on time afterwards: 16:00 is an ordinary firing.
      await clock.advanceTo(at('2026-06-05T16:00:30Z'));
      expect((await settled(second, 'hourly', 2))[1]).toEqual(['2026-06-05T16:00:00.000Z', false, 'succeeded']);
    } finally {
      await second.stop();
    }

    // A restart a minute later finds nothing missed: no warning, no new task.
    clock = new ManualClock(at('2026-06-05T16:01:00Z'));
    const quiet = recordingLog();
    const third = await start(dir, clock, undefined, quiet);
    try {
      expect(quiet.warnings.filter((w) => w.includes('fell due'))).toEqual([]);
      expect(await firings(third, 'hourly')).toHaveLength(2);
    } finally {
      await third.stop();
    }
  });

  it('a firing dispatched just before a crash (not yet recorded) is not run twice by the catch-up', async () => {
    const dir = dataDir();
    let clock = new ManualClock(at('2026-06-05T10:00:00Z'));
    const first = await start(dir, clock);
    await clock.advanceTo(at('2026-06-05T11:00:30Z'));
    expect(await settled(first, 'hourly', 1)).toEqual([['2026-06-05T11:00:00.000Z', false, 'succeeded']]);
    // As if the process died between enqueueing the 11:00 task and recording it.
    first.runtime.storage.db.prepare("UPDATE schedule_rules SET covered_until_ms = ? WHERE rule = 'hourly-schedule-1'").run(at('2026-06-05T10:00:00Z'));
    await first.stop();
    clock = new ManualClock(at('2026-06-05T11:30:00Z'));
    const log = recordingLog();
    const second = await start(dir, clock, undefined, log);
    try {
      expect(log.warnings.find((w) => w.includes("'hourly-schedule-1'"))).toContain('running 1 now as catch-up (due 2026-06-05T11:00:00.000Z)');
      // The catch-up derives the same task id from rule and due time: the finished task stands, nothing reruns.
      await eventually(async () => (await second.runtime.storage.db.prepare("SELECT covered_until_ms AS c FROM schedule_rules WHERE rule = 'hourly-schedule-1'").get() as { c: number }).c === at('2026-06-05T11:30:00Z'));
      expect(await firings(second, 'hourly')).toEqual([['2026-06-05T11:00:00.000Z', false, 'succeeded']]);
    } finally {
      await second.stop();
    }
  });

  it("scheduleCatchUp 'all' runs every missed firing, oldest first, each as a catch-up", async () => {
    const dir = dataDir();
    let clock = new ManualClock(at('2026-06-05T10:00:00Z'));
    await (await start(dir, clock, 'all')).stop();
    clock = new ManualClock(at('2026-06-05T13:20:00Z'));
    const log = recordingLog();
    const second = await start(dir, clock, 'all', log);
    try {
      expect(await settled(second, 'hourly', 3)).toEqual([
        ['2026-06-05T11:00:00.000Z', true, 'succeeded'],
        ['2026-06-05T12:00:00.000Z', true, 'succeeded'],
        ['2026-06-05T13:00:00.000Z', true, 'succeeded'],
      ]);
      expect(log.warnings.find((w) => w.includes("'hourly-schedule-1'"))).toContain('running 3 now as catch-up');
      // every7 missed 28 firings (10:07..13:16): under the bound of 100, all run.
      expect((await settled(second, 'every7', 28)).every(([, catchUp]) => catchUp)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it("scheduleCatchUp 'all' runs at most 100 per rule (the latest) and says how many it skipped", async () => {
    const dir = dataDir();
    let clock = new ManualClock(at('2026-06-05T10:00:00Z'));
    await (await start(dir, clock, 'all')).stop();
    // 5 days down: 120 hourly firings missed.
    clock = new ManualClock(at('2026-06-10T10:00:00Z'));
    const log = recordingLog();
    const second = await start(dir, clock, 'all', log);
    try {
      const ran = await eventually(async () => {
        const all = await firings(second, 'hourly');
        return all.length === 100 && all.every(([, , s]) => s === 'succeeded') ? all : undefined;
      }, { timeoutMs: 30_000, what: '100 catch-up tasks' });
      expect(ran[0]![0]).toBe('2026-06-06T07:00:00.000Z');
      expect(ran.at(-1)![0]).toBe('2026-06-10T10:00:00.000Z');
      expect(log.warnings.find((w) => w.includes("'hourly-schedule-1'"))).toMatch(/120 firing\(s\) .* skipping 20$/);
    } finally {
      await second.stop();
    }
  });

  it("scheduleCatchUp 'none' runs nothing missed but still logs the count", async () => {
    const dir = dataDir();
    let clock = new ManualClock(at('2026-06-05T10:00:00Z'));
    await (await start(dir, clock, 'none')).stop();
    clock = new ManualClock(at('2026-06-05T12:20:00Z'));
    const log = recordingLog();
    const second = await start(dir, clock, 'none', log);
    try {
      expect(log.warnings.find((w) => w.includes("'hourly-schedule-1'"))).toContain("2 firing(s) fell due while the runtime was down (since 2026-06-05T10:00:00.000Z); scheduleCatchUp 'none': running none, skipping 2");
      await clock.advanceTo(at('2026-06-05T13:00:30Z'));
      expect(await settled(second, 'hourly', 1)).toEqual([['2026-06-05T13:00:00.000Z', false, 'succeeded']]);
    } finally {
      await second.stop();
    }
  });

  it('rejects an unknown catch-up policy at start-up', async () => {
    await expect(start(dataDir(), new ManualClock(at('2026-06-05T10:00:00Z')), 'everything')).rejects.toThrow(/custom\.sluice.*scheduleCatchUp/s);
  });
});
