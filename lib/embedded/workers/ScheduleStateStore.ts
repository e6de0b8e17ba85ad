/**
 * What the embedded runtime remembers of each schedule rule between runs,
 * so that restarts neither lose firings silently nor shift `rate()` phases,
 * an `at()` fires once, and the overlap policy finds the previous task.
 */
export interface ScheduleRuleState {
  /** The expression (and time zone) the state was recorded for; another one starts afresh. */
  expression: string;
  /** When the rule first started (epoch ms): a `rate()` fires at anchor + k x interval. */
  anchorMs: number;
  /** Every firing due at or before this instant (epoch ms) was fired or deliberately skipped. */
  coveredUntilMs: number;
  /** Due time (epoch ms) of the latest firing dispatched, if any: its task is "the previous task". */
  lastFiredMs?: number;
}

/** A firing an overlap policy dropped. */
export interface SkippedFiring {
  /** The firing's due time, epoch ms. */
  dueMs: number;
  /** When it was dropped, epoch ms. */
  recordedMs: number;
  reason: string;
}

/** How many skipped firings each rule's log keeps (the newest). */
export const SKIP_LOG_LIMIT = 100;

/** Durable per-rule schedule state (embedded: the `schedule_rules` and `schedule_skips` tables). */
export interface ScheduleStateStore {
  /**
   * The state of a rule at start-up. A rule seen for the first time, or
   * whose expression changed, starts afresh: anchor and coverage at `nowMs`
   * (nothing before it counts as missed).
   */
  open(process: string, rule: string, expression: string, nowMs: number): ScheduleRuleState & { fresh: boolean };
  /** Records that every firing due at or before `dueMs` is accounted for; never moves backwards. Resolves once durable. */
  cover(process: string, rule: string, dueMs: number): Promise<void>;
  /** Records the latest dispatched firing's due time; never moves backwards. */
  fired(process: string, rule: string, dueMs: number): Promise<void>;
  /** Appends a skipped firing to the rule's log, keeping the newest {@link SKIP_LOG_LIMIT}. */
  recordSkip(process: string, rule: string, skip: SkippedFiring): Promise<void>;
  /** The rule's skipped firings, newest first, at most `limit`. */
  skips(process: string, rule: string, limit: number): SkippedFiring[];
  /** Drops everything known of the rule (it was removed). */
  forget(process: string, rule: string): Promise<void>;
}

/** A store that forgets everything on restart (tests, or a runtime without durable storage). */
export class MemoryScheduleStateStore implements ScheduleStateStore {
  readonly #rules = new Map<string, ScheduleRuleState>();
  readonly #skips = new Map<string, SkippedFiring[]>();

  open(process: string, rule: string, expression: string, nowMs: number): ScheduleRuleState & { fresh: boolean } {
    const key = JSON.stringify([process, rule]);
    const known = this.#rules.get(key);
    if (known && known.expression === expression) return { ...known, fresh: false };
    const state = { expression, anchorMs: nowMs, coveredUntilMs: nowMs };
    this.#rules.set(key, state);
    return { ...state, fresh: true };
  }

  cover(process: string, rule: string, dueMs: number): Promise<void> {
    const state = this.#rules.get(JSON.stringify([process, rule]));
    if (state) state.coveredUntilMs = Math.max(state.coveredUntilMs, dueMs);
    return Promise.resolve();
  }

  fired(process: string, rule: string, dueMs: number): Promise<void> {
    const state = this.#rules.get(JSON.stringify([process, rule]));
    if (state) state.lastFiredMs = Math.max(state.lastFiredMs ?? dueMs, dueMs);
    return Promise.resolve();
  }

  recordSkip(process: string, rule: string, skip: SkippedFiring): Promise<void> {
    const key = JSON.stringify([process, rule]);
    const log = [...(this.#skips.get(key) ?? []), skip];
    this.#skips.set(key, log.slice(-SKIP_LOG_LIMIT));
    return Promise.resolve();
  }

  skips(process: string, rule: string, limit: number): SkippedFiring[] {
    return (this.#skips.get(JSON.stringify([process, rule])) ?? []).slice(-limit).reverse();
  }

  forget(process: string, rule: string): Promise<void> {
    const key = JSON.stringify([process, rule]);
    this.#rules.delete(key);
    this.#skips.delete(key);
    return Promise.resolve();
  }
}
