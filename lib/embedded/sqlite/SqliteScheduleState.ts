import type Database from 'better-sqlite3';
import { SKIP_LOG_LIMIT, type ScheduleRuleState, type ScheduleStateStore, type SkippedFiring } from '../workers/ScheduleStateStore.js';
import { GroupCommit } from './GroupCommit.js';

interface Row {
  expression: string;
  anchor_ms: number;
  covered_until_ms: number;
  last_fired_ms: number | null;
}

/**
 * {@link ScheduleStateStore} on the `schedule_rules` table (schema v2, v4) and
 * the `schedule_skips` log (v4). Writes join the connection's group commit
 * and resolve once committed.
 */
export class SqliteScheduleState implements ScheduleStateStore {
  readonly #commit: GroupCommit;
  readonly #get: Database.Statement<[string, string], Row>;
  readonly #put: Database.Statement<[string, string, string, number, number]>;
  readonly #cover: Database.Statement<[number, string, string]>;
  readonly #fired: Database.Statement<[number, number, string, string]>;
  readonly #skip: Database.Statement<[string, string, number, number, string]>;
  readonly #trim: Database.Statement<[string, string, string, string, number]>;
  readonly #skips: Database.Statement<[string, string, number], { due_ms: number; recorded_ms: number; reason: string }>;
  readonly #forgetRule: Database.Statement<[string, string]>;
  readonly #forgetSkips: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.#commit = GroupCommit.for(db);
    this.#get = db.prepare('SELECT expression, anchor_ms, covered_until_ms, last_fired_ms FROM schedule_rules WHERE process = ? AND rule = ?');
    this.#put = db.prepare(
      `INSERT INTO schedule_rules (process, rule, expression, anchor_ms, covered_until_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (process, rule) DO UPDATE SET expression = excluded.expression, anchor_ms = excluded.anchor_ms,
         covered_until_ms = excluded.covered_until_ms, last_fired_ms = NULL`,
    );
    this.#cover = db.prepare('UPDATE schedule_rules SET covered_until_ms = max(covered_until_ms, ?) WHERE process = ? AND rule = ?');
    this.#fired = db.prepare('UPDATE schedule_rules SET last_fired_ms = max(coalesce(last_fired_ms, ?), ?) WHERE process = ? AND rule = ?');
    this.#skip = db.prepare('INSERT INTO schedule_skips (process, rule, due_ms, recorded_ms, reason) VALUES (?, ?, ?, ?, ?)');
    this.#trim = db.prepare(
      `DELETE FROM schedule_skips WHERE process = ? AND rule = ? AND seq <= (
         SELECT seq FROM schedule_skips WHERE process = ? AND rule = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    );
    this.#skips = db.prepare('SELECT due_ms, recorded_ms, reason FROM schedule_skips WHERE process = ? AND rule = ? ORDER BY seq DESC LIMIT ?');
    this.#forgetRule = db.prepare('DELETE FROM schedule_rules WHERE process = ? AND rule = ?');
    this.#forgetSkips = db.prepare('DELETE FROM schedule_skips WHERE process = ? AND rule = ?');
  }

  open(process: string, rule: string, expression: string, nowMs: number): ScheduleRuleState & { fresh: boolean } {
    const row = this.#get.get(process, rule);
    if (row && row.expression === expression) {
      return {
        expression,
        anchorMs: row.anchor_ms,
        coveredUntilMs: row.covered_until_ms,
        ...(row.last_fired_ms === null ? {} : { lastFiredMs: row.last_fired_ms }),
        fresh: false,
      };
    }
    this.#commit.runNow(() => this.#put.run(process, rule, expression, nowMs, nowMs));
    return { expression, anchorMs: nowMs, coveredUntilMs: nowMs, fresh: true };
  }

  cover(process: string, rule: string, dueMs: number): Promise<void> {
    return this.#commit.run(() => this.#cover.run(dueMs, process, rule)).then(() => undefined);
  }

  fired(process: string, rule: string, dueMs: number): Promise<void> {
    return this.#commit.run(() => this.#fired.run(dueMs, dueMs, process, rule)).then(() => undefined);
  }

  recordSkip(process: string, rule: string, skip: SkippedFiring): Promise<void> {
    return this.#commit
      .run(() => {
        this.#skip.run(process, rule, skip.dueMs, skip.recordedMs, skip.reason);
        this.#trim.run(process, rule, process, rule, SKIP_LOG_LIMIT);
      })
      .then(() => undefined);
  }

  skips(process: string, rule: string, limit: number): SkippedFiring[] {
    return this.#skips.all(process, rule, limit).map((row) => ({ dueMs: row.due_ms, recordedMs: row.recorded_ms, reason: row.reason }));
  }

  forget(process: string, rule: string): Promise<void> {
    return this.#commit
      .run(() => {
        this.#forgetRule.run(process, rule);
        this.#forgetSkips.run(process, rule);
      })
      .then(() => undefined);
  }
}
