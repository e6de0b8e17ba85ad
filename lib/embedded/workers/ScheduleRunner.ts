import { MAX_SCHEDULE_CATCH_UP, type ScheduleCatchUp, type ScheduleManifest } from '../../config/ServiceManifest.js';
import { assertNever } from '../../core/errors.js';
import { type Clock, type ClockTimer } from '../../core/ports/Clock.js';
import { isoTime } from '../../core/time/isoTime.js';
import { findMissedFirings } from '../../schedule/findMissedFirings.js';
import { parseScheduleExpression, type Schedule } from '../../schedule/parseScheduleExpression.js';
import type { RuntimeLog } from '../runtime/RuntimeLog.js';
import { MemoryScheduleStateStore, type ScheduleStateStore } from './ScheduleStateStore.js';

export interface ScheduledRule {
  process: string;
  manifest: ScheduleManifest;
  schedule: Schedule;
}

/**
 * Enqueues (or runs) one firing. `catchUp` is true for a firing run late at
 * start-up because it fell due while the runtime was down.
 */
export type FireSchedule = (rule: ScheduledRule, scheduledTimeMs: number, catchUp: boolean) => Promise<void>;

export interface ScheduleRunnerOptions {
  /** Where rule state survives restarts. @default a memory store (nothing is caught up, rate phases restart) */
  state?: ScheduleStateStore;
  /** @default 'latest' */
  catchUp?: ScheduleCatchUp;
}

/** Longest single timer: Node caps setTimeout at 2^31-1 ms (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fires `schedule` events on the injected clock at EventBridge's times.
 * Firing only enqueues a task (durable); running it is the queue's job.
 *
 * Across restarts (with a durable {@link ScheduleStateStore}):
 * - a `rate()` keeps the phase of the rule's first start (EventBridge counts
 *   from the rule's creation, not from our start-up); a changed expression
 *   starts afresh;
 * - firings that fell due while the runtime was down are found from the
 *   last firing accounted for, logged, and handled by the catch-up policy
 *   (`custom.sluice.scheduleCatchUp`, see {@link ScheduleCatchUp}). A
 *   caught-up firing keeps its original due time, so its task id is the one
 *   it would have had (a firing dispatched just before a crash is not run
 *   twice), and its trigger says `catchUp: true`.
 * - a disabled rule accumulates nothing: re-enabling it catches up nothing
 *   from the disabled period.
 */
export class ScheduleRunner {
  readonly #timers = new Map<string, ClockTimer>();
  readonly #state: ScheduleStateStore;
  readonly #policy: ScheduleCatchUp;
  /** The rules as running: rate schedules re-anchored on their stored first start. */
  #active: ScheduledRule[];
  #stopped = false;

  constructor(
    private readonly rules: readonly ScheduledRule[],
    private readonly fire: FireSchedule,
    private readonly clock: Clock,
    private readonly log: RuntimeLog,
    options: ScheduleRunnerOptions = {},
  ) {
    this.#state = options.state ?? new MemoryScheduleStateStore();
    this.#policy = options.catchUp ?? 'latest';
    this.#active = [...rules];
  }

  /**
   * Reads each rule's stored state, starts catching up missed firings (in
   * the background), and arms the next firing of every enabled rule.
   */
  start(): void {
    const now = this.clock.now();
    this.#active = this.rules.map((rule) => {
      const state = this.#state.open(rule.process, rule.manifest.rule, rule.manifest.expression, now);
      const active =
        rule.schedule.kind === 'rate' ? { ...rule, schedule: parseScheduleExpression(rule.manifest.expression, { rateAnchorMs: state.anchorMs }) } : rule;
      if (!rule.manifest.enabled) {
        void this.#cover(active, now);
        return active;
      }
      if (!state.fresh && state.coveredUntilMs < now) void this.#catchUp(active, state.coveredUntilMs, now);
      this.#arm(active, now);
      return active;
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) this.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  /** The next due time of each enabled rule (for the start-up banner). */
  upcoming(): Array<{ rule: string; next: number | undefined }> {
    return this.#active.filter((r) => r.manifest.enabled).map((r) => ({ rule: r.manifest.rule, next: r.schedule.nextAfter(this.clock.now()) }));
  }

  /** Applies the catch-up policy to the firings due in (coveredUntilMs, nowMs]. */
  async #catchUp(rule: ScheduledRule, coveredUntilMs: number, nowMs: number): Promise<void> {
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
        if (this.#stopped) return;
        await this.#fireOnce(rule, due, true);
      }
    }
    await this.#cover(rule, nowMs);
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
  async #fireOnce(rule: ScheduledRule, due: number, catchUp: boolean): Promise<void> {
    try {
      await this.fire(rule, due, catchUp);
    } catch (error) {
      this.log.error(`schedule '${rule.manifest.rule}' of '${rule.process}' could not enqueue its task due ${isoTime(due)}`, error);
    }
  }

  /** Records the rule accounted for up to `dueMs`; a failure after stop (storage closed) is expected and silent. */
  async #cover(rule: ScheduledRule, dueMs: number): Promise<void> {
    try {
      await this.#state.cover(rule.process, rule.manifest.rule, dueMs);
    } catch (error) {
      if (!this.#stopped) this.log.error(`schedule '${rule.manifest.rule}' of '${rule.process}': could not record its state`, error);
    }
  }

  #arm(rule: ScheduledRule, after: number): void {
    if (this.#stopped) return;
    const due = rule.schedule.nextAfter(after);
    if (due === undefined) {
      this.log.info(`schedule '${rule.manifest.rule}' of '${rule.process}' will not fire again`);
      return;
    }
    const wait = due - this.clock.now();
    const timer = this.clock.setTimeout(() => {
      if (wait > MAX_TIMER_MS) return this.#arm(rule, after); // re-arm a far-away time in steps
      void this.#fireOnce(rule, due, false)
        .then(() => this.#cover(rule, due))
        .finally(() => this.#arm(rule, due));
    }, Math.min(wait, MAX_TIMER_MS));
    this.#timers.set(rule.manifest.rule, timer);
  }
}
