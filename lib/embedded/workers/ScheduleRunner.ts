import { MAX_SCHEDULE_CATCH_UP, type ScheduleCatchUp, type ScheduleManifest } from '../../config/ServiceManifest.js';
import { assertNever } from '../../core/errors.js';
import { type Clock, type ClockTimer } from '../../core/ports/Clock.js';
import { decideOverlap, type PreviousFiring } from '../../core/schedule/scheduleOverlap.js';
import { isTerminal, type TaskStatus } from '../../core/task/TaskRecord.js';
import { scheduleTaskId } from '../../core/task/taskIds.js';
import { isoTime } from '../../core/time/isoTime.js';
import { findMissedFirings } from '../../schedule/findMissedFirings.js';
import { nextFirings } from '../../schedule/nextFirings.js';
import { parseScheduleExpression, type Schedule } from '../../schedule/parseScheduleExpression.js';
import type { RuntimeLog } from '../runtime/RuntimeLog.js';
import { MemoryScheduleStateStore, SKIP_LOG_LIMIT, type ScheduleStateStore, type SkippedFiring } from './ScheduleStateStore.js';

export interface ScheduledRule {
  /**
   * Stable identity of the rule for the run-time API ({@link ScheduleRunner.add},
   * `remove`, `pause`, `upcoming`, `skipped`). Static rules: {@link staticRuleId}.
   */
  id: string;
  process: string;
  /** Its `rule` names the firings' tasks (task id from process, rule and due time) and keys its stored state. */
  manifest: ScheduleManifest;
  /** `manifest.expression` parsed with `manifest.timezone`, `startAt` and `endAt`. */
  schedule: Schedule;
  /** First instant a firing may have, epoch ms (run-time schedules). */
  startAt?: number;
  /** Last instant a firing may have, epoch ms (run-time schedules). */
  endAt?: number;
}

/** The id of a rule declared in serverless.yml. */
export const staticRuleId = (process: string, rule: string): string => `${process}/${rule}`;

/**
 * Enqueues (or runs) one firing. `catchUp` is true for a firing run late at
 * start-up because it fell due while the runtime was down.
 */
export type FireSchedule = (rule: ScheduledRule, scheduledTimeMs: number, catchUp: boolean) => Promise<void>;

/** Reads a task's status (the overlap policy's view of the previous firing); undefined when there is no such task. */
export type LookupTask = (taskId: string) => Promise<{ status: TaskStatus } | undefined>;

export interface ScheduleRunnerOptions {
  /** Where rule state survives restarts. @default a memory store (nothing is caught up, rate phases restart) */
  state?: ScheduleStateStore;
  /** @default 'latest' */
  catchUp?: ScheduleCatchUp;
  /** How the overlap policy finds the previous firing's task. @default none found: every firing fires */
  lookupTask?: LookupTask;
  /** How often a buffered firing (`buffer_one`) checks whether the previous task finished, in ms. @default 1000 */
  bufferPollMs?: number;
}

/** Longest single timer: Node caps setTimeout at 2^31-1 ms (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  rule: ScheduledRule;
  paused: boolean;
  /** Due time of the latest dispatched firing. */
  lastFiredMs?: number;
  /** Due time of a firing held by `buffer_one`. */
  bufferedMs?: number;
  timer?: ClockTimer;
  bufferTimer?: ClockTimer;
  /** Serializes overlap decisions of one rule. */
  deciding: Promise<void>;
  /** False once removed: its pending callbacks do nothing. */
  live: boolean;
}

/**
 * Fires schedules on the injected clock at EventBridge's (rules) or
 * EventBridge Scheduler's (time zones, `at()`) times. Firing only enqueues a
 * task (durable); running it is the queue's job.
 *
 * Across restarts (with a durable {@link ScheduleStateStore}):
 * - a `rate()` keeps the phase of the rule's first start (EventBridge counts
 *   from the rule's creation, not from our start-up); a changed expression
 *   or time zone starts afresh;
 * - firings that fell due while the runtime was down are found from the
 *   last firing accounted for, logged, and handled by the catch-up policy
 *   (`custom.sluice.scheduleCatchUp`, see {@link ScheduleCatchUp}). A
 *   caught-up firing keeps its original due time, so its task id is the one
 *   it would have had (a firing dispatched just before a crash is not run
 *   twice), and its trigger says `catchUp: true`. So an `at()` that fired
 *   never fires again, and one that fell due while down is caught up once.
 * - a disabled or paused rule accumulates nothing: resuming it catches up
 *   nothing from the paused period.
 *
 * Overlap (the rule's `overlap`, decided by the core's `decideOverlap` from
 * the task of the rule's previous firing): `skip` drops the firing and
 * records it ({@link skipped}), `buffer_one` holds one firing until that
 * task finishes, `allow` fires. Catch-up firings are not subject to it
 * (the catch-up policy chose them). A held firing is not remembered across
 * a restart.
 *
 * Run-time API (the trigger registry's): {@link add}, {@link remove},
 * {@link pause}, {@link upcoming}, {@link skipped}; rules are addressed by
 * their stable {@link ScheduledRule.id}.
 */
export class ScheduleRunner {
  readonly #entries = new Map<string, Entry>();
  readonly #state: ScheduleStateStore;
  readonly #policy: ScheduleCatchUp;
  readonly #lookup: LookupTask;
  readonly #bufferPollMs: number;
  #started = false;
  #stopped = false;

  constructor(
    rules: readonly ScheduledRule[],
    private readonly fire: FireSchedule,
    private readonly clock: Clock,
    private readonly log: RuntimeLog,
    options: ScheduleRunnerOptions = {},
  ) {
    this.#state = options.state ?? new MemoryScheduleStateStore();
    this.#policy = options.catchUp ?? 'latest';
    this.#lookup = options.lookupTask ?? (() => Promise.resolve(undefined));
    this.#bufferPollMs = options.bufferPollMs ?? 1000;
    for (const rule of rules) this.#addEntry(rule);
  }

  /**
   * Reads each rule's stored state, starts catching up missed firings (in
   * the background), and arms the next firing of every enabled rule.
   */
  start(): void {
    this.#started = true;
    const now = this.clock.now();
    for (const entry of this.#entries.values()) this.#open(entry, now);
  }

  stop(): void {
    this.#stopped = true;
    for (const entry of this.#entries.values()) this.#disarm(entry);
  }

  /**
   * Adds a rule at run time; armed at once if the runner has started.
   * Its stored state (keyed by process and `manifest.rule`) is picked up: a
   * rule re-added after a restart keeps its rate phase and catches up.
   *
   * @throws {RangeError} a rule with this id exists
   */
  add(rule: ScheduledRule): void {
    const entry = this.#addEntry(rule);
    if (this.#started && !this.#stopped) this.#open(entry, this.clock.now());
  }

  /** Removes a rule and forgets its stored state and skip log. False if there was none with this id. */
  async remove(ruleId: string): Promise<boolean> {
    const entry = this.#entries.get(ruleId);
    if (!entry) return false;
    entry.live = false;
    this.#disarm(entry);
    this.#entries.delete(ruleId);
    await this.#state.forget(entry.rule.process, entry.rule.manifest.rule);
    return true;
  }

  /**
   * Pauses (no firing, nothing accumulates) or resumes a rule. Resuming
   * fires nothing for the paused period. Not persisted: the caller restores
   * a paused rule after a restart by pausing it again before `start()`.
   *
   * @throws {RangeError} no rule has this id
   */
  pause(ruleId: string, paused: boolean): void {
    const entry = this.#entry(ruleId);
    if (entry.paused === paused) return;
    entry.paused = paused;
    if (!this.#started || this.#stopped) return;
    const now = this.clock.now();
    if (paused) {
      this.#disarm(entry);
      return;
    }
    void this.#cover(entry, now);
    this.#arm(entry, now);
  }

  /**
   * The next `n` fire times (epoch ms, ascending) of the rule after now,
   * paused or not; empty once it ends (`at()` fired, `endAt` passed).
   *
   * @throws {RangeError} no rule has this id
   */
  upcoming(ruleId: string, n: number): number[] {
    return nextFirings(this.#entry(ruleId).rule.schedule, this.clock.now(), n);
  }

  /**
   * The rule's firings dropped by its overlap policy, newest first (at most
   * `limit`; the log keeps the newest {@link SKIP_LOG_LIMIT}).
   *
   * @throws {RangeError} no rule has this id
   */
  skipped(ruleId: string, limit: number = SKIP_LOG_LIMIT): SkippedFiring[] {
    const { rule } = this.#entry(ruleId);
    return this.#state.skips(rule.process, rule.manifest.rule, limit);
  }

  /** The next due time of each active rule (for the start-up banner). */
  nextDueTimes(): Array<{ id: string; rule: string; next: number | undefined }> {
    const now = this.clock.now();
    return [...this.#entries.values()].filter((e) => !e.paused).map((e) => ({ id: e.rule.id, rule: e.rule.manifest.rule, next: e.rule.schedule.nextAfter(now) }));
  }

  #addEntry(rule: ScheduledRule): Entry {
    if (this.#entries.has(rule.id)) throw new RangeError(`a schedule rule with id '${rule.id}' exists`);
    const entry: Entry = { rule, paused: !rule.manifest.enabled, deciding: Promise.resolve(), live: true };
    this.#entries.set(rule.id, entry);
    return entry;
  }

  #entry(ruleId: string): Entry {
    const entry = this.#entries.get(ruleId);
    if (!entry) throw new RangeError(`no schedule rule has the id '${ruleId}'`);
    return entry;
  }

  #open(entry: Entry, now: number): void {
    const { rule } = entry;
    const state = this.#state.open(rule.process, rule.manifest.rule, fingerprint(rule), now);
    if (rule.schedule.kind === 'rate' && rule.startAt === undefined) {
      // EventBridge counts a rate from the rule's creation: the stored first start, not this start-up.
      entry.rule = { ...rule, schedule: parseScheduleExpression(rule.manifest.expression, { rateAnchorMs: state.anchorMs, ...zone(rule), ...window(rule) }) };
    }
    if (state.lastFiredMs !== undefined) entry.lastFiredMs = state.lastFiredMs;
    if (entry.paused) {
      void this.#cover(entry, now);
      return;
    }
    if (!state.fresh && state.coveredUntilMs < now) void this.#catchUp(entry, state.coveredUntilMs, now);
    this.#arm(entry, now);
  }

  #disarm(entry: Entry): void {
    if (entry.timer) this.clock.clearTimeout(entry.timer);
    if (entry.bufferTimer) this.clock.clearTimeout(entry.bufferTimer);
    entry.timer = undefined;
    entry.bufferTimer = undefined;
    entry.bufferedMs = undefined;
  }

  /** Applies the catch-up policy to the firings due in (coveredUntilMs, nowMs]. */
  async #catchUp(entry: Entry, coveredUntilMs: number, nowMs: number): Promise<void> {
    const { rule } = entry;
    const keep = this.#policy === 'all' ? MAX_SCHEDULE_CATCH_UP : 1;
    const missed = findMissedFirings(rule.schedule, coveredUntilMs, nowMs, keep);
    if (missed.count > 0) {
      const toRun = this.#toRun(missed.latest);
      const skipped = missed.count - toRun.length;
      const count = missed.exact ? `${missed.count}` : `more than ${missed.count}`;
      const run = toRun.length === 0 ? 'running none' : `running ${toRun.length} now as catch-up (due ${toRun.map(isoTime).join(', ')})`;
      this.log.warn(
        `schedule '${rule.manifest.rule}' of '${rule.process}': ${count} firing(s) fell due while the runtime was down (since ${isoTime(coveredUntilMs)}); ` +
          `scheduleCatchUp '${this.#policy}': ${run}, skipping ${missed.exact ? skipped : `more than ${skipped}`}`,
      );
      for (const due of toRun) {
        if (this.#stopped || !entry.live) return;
        this.#markFired(entry, due);
        await this.#fireOnce(entry, due, true);
      }
    }
    await this.#cover(entry, nowMs);
  }

  #toRun(latest: readonly number[]): readonly number[] {
    switch (this.#policy) {
      case 'none':
        return [];
      case 'latest':
        return latest.slice(-1);
      case 'all':
        return latest;
      default:
        return assertNever(this.#policy, 'schedule catch-up policy');
    }
  }

  /** Fires one due time, logging (not throwing) a failure to enqueue. */
  async #fireOnce(entry: Entry, due: number, catchUp: boolean): Promise<void> {
    const { rule } = entry;
    try {
      await this.fire(rule, due, catchUp);
    } catch (error) {
      this.log.error(`schedule '${rule.manifest.rule}' of '${rule.process}' could not enqueue its task due ${isoTime(due)}`, error);
    }
  }

  /** Records the rule accounted for up to `dueMs`; a failure after stop (storage closed) is expected and silent. */
  async #cover(entry: Entry, dueMs: number): Promise<void> {
    try {
      await this.#state.cover(entry.rule.process, entry.rule.manifest.rule, dueMs);
    } catch (error) {
      if (!this.#stopped) this.log.error(`schedule '${entry.rule.manifest.rule}' of '${entry.rule.process}': could not record its state`, error);
    }
  }

  #markFired(entry: Entry, due: number): void {
    entry.lastFiredMs = Math.max(entry.lastFiredMs ?? due, due);
    this.#state.fired(entry.rule.process, entry.rule.manifest.rule, due).catch((error: unknown) => {
      if (!this.#stopped) this.log.error(`schedule '${entry.rule.manifest.rule}' of '${entry.rule.process}': could not record its last firing`, error);
    });
  }

  /** The previous firing's task as the overlap policy sees it: a held firing counts as a queued one. */
  async #previous(entry: Entry): Promise<PreviousFiring | undefined> {
    const { rule } = entry;
    if (entry.bufferedMs !== undefined) return { taskId: this.#taskId(rule, entry.bufferedMs), status: 'queued' };
    if (entry.lastFiredMs === undefined) return undefined;
    const taskId = this.#taskId(rule, entry.lastFiredMs);
    return { taskId, status: (await this.#lookup(taskId))?.status };
  }

  #taskId(rule: ScheduledRule, dueMs: number): string {
    return scheduleTaskId(rule.process, rule.manifest.rule, isoTime(dueMs));
  }

  /** One on-time firing: the overlap decision (serialized per rule), then fire, buffer or skip. */
  #onTime(entry: Entry, due: number): Promise<void> {
    const { rule } = entry;
    const decided = entry.deciding.then(async () => {
      if (!entry.live || this.#stopped) return 'none' as const;
      const decision = decideOverlap(rule.manifest.overlap, await this.#previous(entry), entry.bufferedMs);
      switch (decision.action) {
        case 'fire':
          this.#markFired(entry, due);
          return 'fire' as const;
        case 'buffer':
          entry.bufferedMs = due;
          this.log.info(`schedule '${rule.manifest.rule}' of '${rule.process}': firing due ${isoTime(due)} waits (overlap buffer_one): ${decision.reason}`);
          this.#pollBuffered(entry);
          return 'none' as const;
        case 'skip':
          this.log.warn(`schedule '${rule.manifest.rule}' of '${rule.process}': firing due ${isoTime(due)} skipped (overlap ${rule.manifest.overlap}): ${decision.reason}`);
          await this.#state.recordSkip(rule.process, rule.manifest.rule, { dueMs: due, recordedMs: this.clock.now(), reason: decision.reason });
          return 'none' as const;
        default:
          return assertNever(decision, 'overlap decision');
      }
    });
    entry.deciding = decided.then(
      () => undefined,
      () => undefined,
    );
    return decided.then(
      async (action) => {
        if (action === 'fire') await this.#fireOnce(entry, due, false);
        await this.#cover(entry, due);
      },
      async (error: unknown) => {
        // After stop the storage may be closed: expected, and silent (as #cover is).
        if (!this.#stopped) this.log.error(`schedule '${rule.manifest.rule}' of '${rule.process}': overlap check for the firing due ${isoTime(due)} failed`, error);
        await this.#cover(entry, due);
      },
    );
  }

  /** Checks the previous task every `bufferPollMs` until it finishes, then fires the held firing. */
  #pollBuffered(entry: Entry): void {
    entry.bufferTimer = this.clock.setTimeout(() => {
      entry.bufferTimer = undefined;
      const held = entry.bufferedMs;
      if (held === undefined || !entry.live || this.#stopped) return;
      entry.deciding = entry.deciding.then(async () => {
        const last = entry.lastFiredMs;
        const status = last === undefined ? undefined : (await this.#lookup(this.#taskId(entry.rule, last)))?.status;
        if (entry.bufferedMs !== held) return;
        if (status !== undefined && !isTerminal(status)) {
          this.#pollBuffered(entry);
          return;
        }
        entry.bufferedMs = undefined;
        this.#markFired(entry, held);
        await this.#fireOnce(entry, held, false);
      }).catch((error: unknown) => this.log.error(`schedule '${entry.rule.manifest.rule}' of '${entry.rule.process}': buffered firing failed`, error));
    }, this.#bufferPollMs);
  }

  #arm(entry: Entry, after: number): void {
    if (this.#stopped || !entry.live || entry.paused) return;
    const { rule } = entry;
    const due = rule.schedule.nextAfter(after);
    if (due === undefined) {
      this.log.info(`schedule '${rule.manifest.rule}' of '${rule.process}' will not fire again`);
      return;
    }
    const wait = due - this.clock.now();
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      if (wait > MAX_TIMER_MS) return this.#arm(entry, after); // re-arm a far-away time in steps
      // The next firing is armed before this one is dispatched: a slow dispatch (or an
      // in-process run) delays nothing, and the overlap policy decides what overlaps.
      this.#arm(entry, due);
      void this.#onTime(entry, due);
    }, Math.min(wait, MAX_TIMER_MS));
  }
}

/** What the stored state is recorded for: another expression, zone or window starts afresh. */
function fingerprint(rule: ScheduledRule): string {
  const { expression, timezone } = rule.manifest;
  const parts = [expression];
  if (timezone !== undefined) parts.push(`tz=${timezone}`);
  if (rule.startAt !== undefined) parts.push(`start=${rule.startAt}`);
  if (rule.endAt !== undefined) parts.push(`end=${rule.endAt}`);
  return parts.join(' ');
}

const zone = (rule: ScheduledRule) => (rule.manifest.timezone === undefined ? {} : { timezone: rule.manifest.timezone });
const window = (rule: ScheduledRule) => ({ ...(rule.startAt === undefined ? {} : { startAt: rule.startAt }), ...(rule.endAt === undefined ? {} : { endAt: rule.endAt }) });
