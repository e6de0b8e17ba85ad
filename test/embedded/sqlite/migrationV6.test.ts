/**
 * Schema v6 on a database written by v5: the trigger type of the tasks
 * already stored is backfilled, so `list({ trigger })` and the counts see them.
 */
import Database from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../lib/embedded/sqlite/openDatabase.js';
import { MIGRATIONS } from '../../../lib/embedded/sqlite/schema.js';
import { SqliteTaskStore } from '../../../lib/embedded/sqlite/SqliteTaskStore.js';
import { makeRecord } from '../../contracts/taskStoreContract.js';
import { tempDir } from './tempDir.js';

describe('schema v6 (trigger type, window index)', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it('backfills the trigger type of tasks stored before it', async () => {
    const dir = tempDir('v6');
    dirs.push(dir);
    const path = join(dir.path, 'sluice.db');
    // A v5 database, as the previous release left it, with two tasks.
    const old = new Database(path);
    old.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_version VALUES (?, ?, ?)').run(m.version, m.description, new Date().toISOString());
    }
    const schedule = makeRecord({ process: 'old', status: 'succeeded', trigger: { type: 'schedule', rule: 'r', scheduledTime: '2026-05-01T00:00:00.000Z' }, createdAt: '2026-05-01T00:00:00.000Z' });
    const api = makeRecord({ process: 'old', status: 'failed', createdAt: '2026-05-01T00:00:01.000Z' });
    for (const r of [schedule, api]) {
      const { result: _r, logs, payload: _p, ...summary } = r;
      old.prepare('INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?)').run(r.taskId, r.process, r.status, r.createdAt, r.expiresAt, JSON.stringify(summary), JSON.stringify({ logs }));
    }
    old.close();
    chmodSync(path, 0o600);

    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(6);
    const store = new SqliteTaskStore(db);
    expect((await store.list({ trigger: 'schedule', limit: 10 })).items.map((t) => t.taskId)).toEqual([schedule.taskId]);
    expect((await store.list({ trigger: 'api', limit: 10 })).items.map((t) => t.taskId)).toEqual([api.taskId]);
    expect(await store.countByStatus({ since: '2026-05-01T00:00:00.000Z', until: '2026-05-02T00:00:00.000Z' })).toEqual([
      { process: 'old', counts: { queued: 0, running: 0, succeeded: 1, failed: 1, timed_out: 0, cancelled: 0 } },
    ]);
    db.close();
  });
});
