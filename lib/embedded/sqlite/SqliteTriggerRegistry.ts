import type Database from 'better-sqlite3';
import * as z from 'zod';
import { assertPageLimit } from '../../core/pageLimit.js';
import { decodeCursor, encodeCursor } from '../../core/pageCursor.js';
import type { RegistryWrite, TriggerRegistry } from '../../core/ports/TriggerRegistry.js';
import type { TriggerChange, TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import { GroupCommit } from './GroupCommit.js';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The embedded {@link TriggerRegistry}, in `sluice.db`: a conditional write
 * of the record and its audit entry in one transaction, durable (group
 * commit) before the promise resolves.
 */
export class SqliteTriggerRegistry implements TriggerRegistry {
  readonly #commits: GroupCommit;
  readonly #all: Statement;
  readonly #get: Statement;
  readonly #history: Statement;
  readonly #put: (record: TriggerRecord, change: TriggerChange, expected: number) => RegistryWrite;
  readonly #delete: (triggerId: string, change: TriggerChange, expected: number) => RegistryWrite;

  constructor(db: Database.Database) {
    this.#commits = GroupCommit.for(db);
    this.#all = db.prepare('SELECT record FROM triggers ORDER BY trigger_id');
    this.#get = db.prepare('SELECT record, version FROM triggers WHERE trigger_id = ?');
    this.#history = db.prepare('SELECT seq, change FROM trigger_history WHERE trigger_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?');
    const insert = db.prepare('INSERT INTO triggers (trigger_id, version, record) VALUES (?, ?, ?)');
    const update = db.prepare('UPDATE triggers SET version = ?, record = ? WHERE trigger_id = ? AND version = ?');
    const remove = db.prepare('DELETE FROM triggers WHERE trigger_id = ? AND version = ?');
    const audit = db.prepare('INSERT INTO trigger_history (trigger_id, change) VALUES (?, ?)');
    const current = (triggerId: string) => this.#read(triggerId);
    this.#put = db.transaction((record: TriggerRecord, change: TriggerChange, expected: number): RegistryWrite => {
      const json = JSON.stringify(record);
      let changed: number;
      if (expected === 0) {
        if (current(record.triggerId)) return { written: false, current: current(record.triggerId) };
        changed = insert.run(record.triggerId, record.version, json).changes;
      } else {
        changed = update.run(record.version, json, record.triggerId, expected).changes;
        // A static trigger's first state (paused, a note) is its first row: stored version 0 means none yet.
        if (changed === 0 && expected === 0) changed = insert.run(record.triggerId, record.version, json).changes;
      }
      if (changed !== 1) return { written: false, current: current(record.triggerId) };
      audit.run(record.triggerId, JSON.stringify(change));
      return { written: true };
    });
    this.#delete = db.transaction((triggerId: string, change: TriggerChange, expected: number): RegistryWrite => {
      if (remove.run(triggerId, expected).changes !== 1) return { written: false, current: current(triggerId) };
      audit.run(triggerId, JSON.stringify(change));
      return { written: true };
    });
  }

  async list(): Promise<TriggerRecord[]> {
    await this.#commits.settled();
    return (this.#all.all() as Array<{ record: string }>).map((row) => JSON.parse(row.record) as TriggerRecord);
  }

  async get(triggerId: string): Promise<TriggerRecord | undefined> {
    await this.#commits.settled();
    return this.#read(triggerId);
  }

  put(record: TriggerRecord, change: TriggerChange, expectedVersion: number): Promise<RegistryWrite> {
    return this.#commits.run(() => this.#put(record, change, expectedVersion));
  }

  delete(triggerId: string, change: TriggerChange, expectedVersion: number): Promise<RegistryWrite> {
    return this.#commits.run(() => this.#delete(triggerId, change, expectedVersion));
  }

  async history(triggerId: string, page: { limit: number; cursor?: string }): Promise<{ items: TriggerChange[]; nextCursor?: string }> {
    assertPageLimit(page.limit, 'trigger history');
    const before = page.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(page.cursor, z.number().int().positive());
    await this.#commits.settled();
    const rows = this.#history.all(triggerId, before, page.limit + 1) as Array<{ seq: number; change: string }>;
    const items = rows.slice(0, page.limit).map((row) => JSON.parse(row.change) as TriggerChange);
    const last = rows[page.limit - 1];
    return rows.length > page.limit && last ? { items, nextCursor: encodeCursor(last.seq) } : { items };
  }

  #read(triggerId: string): TriggerRecord | undefined {
    const row = this.#get.get(triggerId) as { record: string } | undefined;
    return row && (JSON.parse(row.record) as TriggerRecord);
  }
}
