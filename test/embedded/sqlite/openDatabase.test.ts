import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { openDatabase, schemaVersion } from '../../../lib/embedded/sqlite/openDatabase.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../lib/embedded/sqlite/schema.js';
import { tempDir } from './tempDir.js';

describe('openDatabase', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  const dir = () => {
    const d = tempDir('open');
    dirs.push(d);
    return d.path;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it('creates parent directories and a WAL database with NORMAL sync and foreign keys on', () => {
    const path = join(dir(), 'a', 'b', 'sluice.db');
    const db = openDatabase(path);
    expect(existsSync(path)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('uses synchronous=FULL when asked', () => {
    const db = openDatabase(join(dir(), 'sluice.db'), { synchronous: 'full' });
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    db.close();
  });

  it('records applied migrations in schema_version and applies them once', () => {
    const path = join(dir(), 'sluice.db');
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    const rows = db.prepare('SELECT version, description FROM schema_version ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, description: m.description })));
    db.close();
    const again = openDatabase(path);
    expect(again.prepare('SELECT COUNT(*) AS n FROM schema_version').get()).toEqual({ n: MIGRATIONS.length });
    again.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir(), 'sluice.db');
    const db = openDatabase(path);
    db.prepare(`INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'future', 'x')`).run(SCHEMA_VERSION + 1);
    db.close();
    expect(() => openDatabase(path)).toThrow(ConfigError);
  });

  it('enforces the messages → queues foreign key', () => {
    const db = openDatabase(':memory:');
    expect(() =>
      db.prepare(`INSERT INTO messages (queue_id, message_id, body, sent_at, retain_from, visible_at) VALUES (999, 'm', 'b', 0, 0, 0)`).run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
