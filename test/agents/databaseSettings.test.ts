import { describe, expect, it } from 'vitest';
import { databaseConnectionSchemas, resolveDatabaseEngine } from '../../lib/config/connections/databaseSettings.js';
import { ConfigError } from '../../lib/core/errors.js';

function issues(type: keyof typeof databaseConnectionSchemas, settings: unknown): string[] {
  const result = databaseConnectionSchemas[type].safeParse(settings);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('database connection settings', () => {
  it('accepts each type with its url schemes and secret references', () => {
    expect(issues('postgres', { type: 'postgres', url: 'postgresql://etl@db:5432/w', password: { ssm: '/prod/pw' }, pool: { max: 3 }, statementTimeoutSeconds: 30, ssl: 'require' })).toEqual([]);
    expect(issues('mysql', { type: 'mysql', url: 'mariadb://root@db/w', ssl: true })).toEqual([]);
    expect(issues('pglite', { type: 'pglite', name: 'warehouse' })).toEqual([]);
    expect(issues('pglite', { type: 'pglite' })).toEqual([]);
    for (const url of ['postgres://h/d', 'mysql://h/d', 'mariadb://h/d', 'pglite:warehouse', { env: 'WAREHOUSE_URL' }]) expect(issues('database', { type: 'database', url })).toEqual([]);
  });

  it('refuses wrong schemes, bad names and unknown keys, never echoing the url', () => {
    expect(issues('postgres', { type: 'postgres', url: 'mysql://u:hunter2@h/d' })[0]).toMatch(/^url: must start with postgres:\/\/ or postgresql:\/\//);
    expect(issues('postgres', { type: 'postgres', url: 'mysql://u:hunter2@h/d' }).join()).not.toContain('hunter2');
    expect(issues('mysql', { type: 'mysql', url: 'not a url' })[0]).toMatch(/^url: is not a URL/);
    expect(issues('database', { type: 'database', url: 'sqlite:x' })[0]).toMatch(/or be pglite:<name>/);
    expect(issues('database', { type: 'database', url: 'pglite:../etc' })[0]).toMatch(/pglite:<name> needs a name/);
    expect(issues('pglite', { type: 'pglite', name: '.hidden' })[0]).toMatch(/^name: /);
    expect(issues('postgres', { type: 'postgres', url: 'postgres://h/d', poool: { max: 1 } })[0]).toMatch(/poool/);
    expect(issues('postgres', { type: 'postgres', url: 'postgres://h/d', pool: { max: 0 } })[0]).toMatch(/^pool\.max: /);
  });

  it('resolves the engine, putting the password into the url', () => {
    expect(resolveDatabaseEngine({ type: 'database', url: 'pglite:warehouse' })).toEqual({ engine: 'pglite', name: 'warehouse' });
    expect(resolveDatabaseEngine({ type: 'pglite' }, 'orders')).toEqual({ engine: 'pglite', name: 'orders' });
    expect(resolveDatabaseEngine({ type: 'database', url: 'mariadb://root@db:3306/w', password: 'p@ss/word', pool: { max: 2 } })).toEqual({
      engine: 'mysql',
      url: 'mariadb://root:p%40ss%2Fword@db:3306/w',
      poolMax: 2,
    });
    expect(resolveDatabaseEngine({ type: 'postgres', url: 'postgresql://u:old@db/w', password: 'new', ssl: true, statementTimeoutSeconds: 5 })).toEqual({
      engine: 'postgres',
      url: 'postgresql://u:new@db/w',
      ssl: true,
      statementTimeoutSeconds: 5,
    });
  });

  it('throws a ConfigError for a url read from a secret that names no engine', () => {
    expect(() => resolveDatabaseEngine({ type: 'database', url: 'redis://u:hunter2@h' })).toThrow(ConfigError);
    expect(() => resolveDatabaseEngine({ type: 'database', url: 'redis://u:hunter2@h' })).not.toThrow(/hunter2/);
  });
});
