/**
 * What the embedded runtime remembers of each schedule rule between runs,
 * so that restarts neither lose firings silently nor shift `rate()` phases.
 */
export interface ScheduleRuleState {
  /** The expression the state was recorded for; another expression starts afresh. */
  expression: string;
  /** When the rule first started (epoch ms): a `rate()` fires at anchor + k x interval. */
  anchorMs: number;
  /** Every firing due at or before this instant (epoch ms) was fired or deliberately skipped. */
  coveredUntilMs: number;
}

/** Durable per-rule schedule state (embedded: the `schedule_rules` table). */
export interface ScheduleStateStore {
  /**
   * The state of a rule at start-up. A rule seen for the first time, or
   * whose expression changed, starts afresh: anchor and coverage at `nowMs`
   * (nothing before it counts as missed).
   */
  open(process: string, rule: string, expression: string, nowMs: number): ScheduleRuleState & { fresh: boolean };
  /** Records that every firing due at or before `dueMs` is accounted for; never moves backwards. Resolves once durable. */
  cover(process: string, rule: string, dueMs: number): Promise<void>;
}

/** A store that forgets everything on restart (tests, or a runtime without durable storage). */
export class MemoryScheduleStateStore implements ScheduleStateStore {
  readonly #rules = new Map<string, ScheduleRuleState>();

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
}
