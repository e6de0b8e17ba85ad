import type Database from 'better-sqlite3';
import type { ScheduleRuleState, ScheduleStateStore } from '../workers/ScheduleStateStore.js';
import { GroupCommit } from './GroupCommit.js';

interface Row {
  expression: string;
  anchor_ms: number;
  covered_until_ms: number;
}

/**
 * {@link ScheduleStateStore} on the `schedule_rules` table (schema v2). Writes
 * join the connection's group commit; `cover` resolves once committed.
 */
export class SqliteScheduleState implements ScheduleStateStore {
  readonly #commit: GroupCommit;
  readonly #get: Database.Statement<[string, string], Row>;
  readonly #put: Database.Statement<[string, string, string, number, number]>;
  readonly #cover: Database.Statement<[number, string, string]>;

  constructor(db: Database.Database) {
    this.#commit = GroupCommit.for(db);
    this.#get = db.prepare('SELECT expression, anchor_ms, covered_until_ms FROM schedule_rules WHERE process = ? AND rule = ?');
    this.#put = db.prepare(
      `INSERT INTO schedule_rules (process, rule, expression, anchor_ms, covered_until_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (process, rule) DO UPDATE SET expression = excluded.expression, anchor_ms = excluded.anchor_ms, covered_until_ms = excluded.covered_until_ms`,
    );
    this.#cover = db.prepare('UPDATE schedule_rules SET covered_until_ms = max(covered_until_ms, ?) WHERE process = ? AND rule = ?');
  }

  open(process: string, rule: string, expression: string, nowMs: number): ScheduleRuleState & { fresh: boolean } {
    const row = this.#get.get(process, rule);
    if (row && row.expression === expression) {
      return { expression, anchorMs: row.anchor_ms, coveredUntilMs: row.covered_until_ms, fresh: false };
    }
    this.#commit.runNow(() => this.#put.run(process, rule, expression, nowMs, nowMs));
    return { expression, anchorMs: nowMs, coveredUntilMs: nowMs, fresh: true };
  }

  cover(process: string, rule: string, dueMs: number): Promise<void> {
    return this.#commit.run(() => this.#cover.run(dueMs, process, rule)).then(() => undefined);
  }
}
