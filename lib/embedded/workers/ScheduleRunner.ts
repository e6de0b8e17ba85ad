import type { ScheduleManifest } from '../../config/ServiceManifest.js';
import type { Clock, ClockTimer } from '../../core/ports/Clock.js';
import type { Schedule } from '../../schedule/parseScheduleExpression.js';
import type { RuntimeLog } from '../runtime/RuntimeLog.js';

export interface ScheduledRule {
  process: string;
  manifest: ScheduleManifest;
  schedule: Schedule;
}

/** Longest single timer: Node caps setTimeout at 2^31-1 ms (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fires `schedule` events on the injected clock, as EventBridge would: each
 * due time once, no catch-up of times missed while the runtime was down.
 * Firing only enqueues a task (durable); running it is the queue's job.
 */
export class ScheduleRunner {
  readonly #timers = new Map<string, ClockTimer>();
  #stopped = false;

  constructor(
    private readonly rules: readonly ScheduledRule[],
    private readonly fire: (rule: ScheduledRule, scheduledTimeMs: number) => Promise<void>,
    private readonly clock: Clock,
    private readonly log: RuntimeLog,
  ) {}

  start(): void {
    for (const rule of this.rules) if (rule.manifest.enabled) this.#arm(rule, this.clock.now());
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) this.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  /** The next due time of each enabled rule (for the start-up banner). */
  upcoming(): Array<{ rule: string; next: number | undefined }> {
    return this.rules.filter((r) => r.manifest.enabled).map((r) => ({ rule: r.manifest.rule, next: r.schedule.nextAfter(this.clock.now()) }));
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
      void this.fire(rule, due)
        .catch((error: unknown) => this.log.error(`schedule '${rule.manifest.rule}' of '${rule.process}' could not enqueue its task`, error))
        .finally(() => this.#arm(rule, due));
    }, Math.min(wait, MAX_TIMER_MS));
    this.#timers.set(rule.manifest.rule, timer);
  }
}
