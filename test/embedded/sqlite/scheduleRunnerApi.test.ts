import { afterEach, describe, expect, it } from 'vitest';
import type { ScheduleManifest } from '../../../lib/config/ServiceManifest.js';
import type { TaskStatus } from '../../../lib/core/task/TaskRecord.js';
import { EmbeddedStorage } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import { silentRuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { ScheduleRunner, type ScheduledRule } from '../../../lib/embedded/workers/ScheduleRunner.js';
import { SKIP_LOG_LIMIT } from '../../../lib/embedded/workers/ScheduleStateStore.js';
import { parseScheduleExpression } from '../../../lib/schedule/parseScheduleExpression.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { CASES } from '../../unit/schedule/dstCases.js';
import { tempDir } from './tempDir.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The ScheduleRunner's run-time API (what the trigger registry calls) on the
 * SQLite schedule state, with the ManualClock. Firings are recorded by the
 * fire callback; task statuses come from a table the test sets.
 */
describe('ScheduleRunner run-time API (SQLite state)', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function setup(startIso: string, dir = tempDir('runner')) {
    const storage = EmbeddedStorage.open({ dataDir: dir.path });
    const clock = new ManualClock(at(startIso));
    const fired: string[] = [];
    const statuses = new Map<string, TaskStatus>();
    const runner = new ScheduleRunner(
      [],
      async (rule, due) => {
        fired.push(`${rule.id}@${iso(due)}`);
      },
      clock,
      silentRuntimeLog,
      { state: storage.schedules, lookupTask: async (taskId) => (statuses.has(taskId) ? { status: statuses.get(taskId)! } : undefined) },
    );
    runner.start();
    cleanups.push(() => {
      runner.stop();
      storage.close();
    });
    return { runner, clock, fired, statuses, dir, storage };
  }

  const rule = (id: string, expression: string, extra: Partial<ScheduleManifest> & { startAt?: number } = {}): ScheduledRule => {
    const { startAt, ...manifestExtra } = extra;
    const manifest: ScheduleManifest = { rule: id, expression, enabled: true, overlap: 'allow', ...manifestExtra };
    return {
      id,
      process: 'p',
      manifest,
      schedule: parseScheduleExpression(expression, { ...(manifest.timezone ? { timezone: manifest.timezone } : {}), ...(startAt !== undefined ? { startAt } : {}) }),
      ...(startAt !== undefined ? { startAt } : {}),
    };
  };

  it('add arms a rule at once; upcoming shows its next firings (also from a future startAt); remove stops it', async () => {
    const { runner, clock, fired } = setup('2026-11-29T15:00:30Z');
    runner.add(rule('every-minute', 'cron(* * * * ? *)'));
    runner.add(rule('later', 'cron(0 9 * * ? *)', { timezone: 'Europe/Berlin', startAt: at('2026-12-01T00:00:00Z') }));
    expect(runner.upcoming('later', 3).map(iso)).toEqual(['2026-12-01T08:00:00.000Z', '2026-12-02T08:00:00.000Z', '2026-12-03T08:00:00.000Z']);
    expect(() => runner.add(rule('later', 'rate(1 hour)'))).toThrow(/exists/);
    await clock.advanceTo(at('2026-11-29T15:02:00Z'));
    expect(fired).toEqual(['every-minute@2026-11-29T15:01:00.000Z', 'every-minute@2026-11-29T15:02:00.000Z']);
    expect(await runner.remove('every-minute')).toBe(true);
    expect(await runner.remove('every-minute')).toBe(false);
    await clock.advanceTo(at('2026-11-29T15:05:00Z'));
    expect(fired).toHaveLength(2);
    expect(() => runner.upcoming('every-minute', 1)).toThrow(/no schedule rule/);
  });

  it('pause stops firing and accumulates nothing; resuming fires from then on', async () => {
    const { runner, clock, fired } = setup('2026-11-29T15:00:30Z');
    runner.add(rule('m', 'cron(* * * * ? *)'));
    runner.pause('m', true);
    await clock.advanceTo(at('2026-11-29T15:03:30Z'));
    expect(fired).toEqual([]);
    runner.pause('m', false);
    await clock.advanceTo(at('2026-11-29T15:04:00Z'));
    expect(fired).toEqual(['m@2026-11-29T15:04:00.000Z']);
  });

  it('an at() rule fires once and then shows no next firing', async () => {
    const { runner, clock, fired } = setup('2026-11-29T15:00:00Z');
    runner.add(rule('once', 'at(2026-11-29T16:30:00)', { timezone: 'Europe/Berlin' }));
    expect(runner.upcoming('once', 5).map(iso)).toEqual(['2026-11-29T15:30:00.000Z']);
    await clock.advanceTo(at('2026-11-30T00:00:00Z'));
    expect(fired).toEqual(['once@2026-11-29T15:30:00.000Z']);
    expect(runner.upcoming('once', 5)).toEqual([]);
  });

  it.each(CASES)('on the ManualClock, fires at the independently computed instants: $label', async (row) => {
    const { runner, clock, fired } = setup(row.from);
    runner.add(rule('dst', row.expression, { timezone: row.zone }));
    expect(runner.upcoming('dst', row.utc.length).map(iso)).toEqual(row.utc);
    await clock.advanceTo(at(row.utc.at(-1)!));
    expect(fired).toEqual(row.utc.map((instant) => `dst@${instant}`));
  });

  it('skip: the log of skipped firings is bounded, newest first, and survives a restart', async () => {
    const dir = tempDir('runner-skips');
    cleanups.push(dir.remove);
    const first = setup('2026-11-29T15:00:30Z', dir);
    first.runner.add(rule('busy', 'cron(* * * * ? *)', { overlap: 'skip' }));
    await first.clock.advanceTo(at('2026-11-29T15:01:00Z'));
    expect(first.fired).toEqual(['busy@2026-11-29T15:01:00.000Z']);
    // Its task never finishes: every later firing is skipped.
    first.statuses.set((await import('../../../lib/core/task/taskIds.js')).scheduleTaskId('p', 'busy', '2026-11-29T15:01:00.000Z'), 'running');
    await first.clock.advanceTo(at('2026-11-29T15:01:00Z') + (SKIP_LOG_LIMIT + 5) * 60_000);
    expect(first.fired).toHaveLength(1);
    const skipped = first.runner.skipped('busy');
    expect(skipped).toHaveLength(SKIP_LOG_LIMIT);
    expect(iso(skipped[0]!.dueMs)).toBe(iso(at('2026-11-29T15:01:00Z') + (SKIP_LOG_LIMIT + 5) * 60_000));
    expect(skipped[0]!.reason).toMatch(/is still running$/);
    first.runner.stop();
    first.storage.close();
    cleanups.length = 0;
    cleanups.push(dir.remove);

    // After a restart the rule (re-added by its owner) keeps its log and still sees its previous task.
    const second = setup('2026-11-29T18:00:30Z', dir);
    // The catch-up firing's task (due 18:00) becomes the previous task, and it runs long.
    second.statuses.set((await import('../../../lib/core/task/taskIds.js')).scheduleTaskId('p', 'busy', '2026-11-29T18:00:00.000Z'), 'running');
    second.runner.add(rule('busy', 'cron(* * * * ? *)', { overlap: 'skip' }));
    expect(second.runner.skipped('busy', 1)).toHaveLength(1);
    await second.clock.advanceTo(at('2026-11-29T18:01:00Z'));
    // The catch-up firing (policy 'latest') is not subject to overlap; the on-time one after it is.
    expect(second.fired).toEqual(['busy@2026-11-29T18:00:00.000Z']);
    expect(iso(second.runner.skipped('busy', 1)[0]!.dueMs)).toBe('2026-11-29T18:01:00.000Z');
  });
});
