import { describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import type { DatabaseSettings } from '../../lib/config/connections/databaseSettings.js';
import type { Resolved } from '../../lib/config/connections/secretRef.js';
import { AgentError } from '../../lib/core/agents/agentErrors.js';
import { agentScope } from './agentScope.js';

const host = { kind: 'embedded' as const, serviceDir: process.cwd() };

describe.each([
  { engine: 'postgres', settings: { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', statementTimeoutSeconds: 0.3 }, sleep: 'SELECT pg_sleep(5)' },
  { engine: 'mariadb', settings: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/test', statementTimeoutSeconds: 0.3 }, sleep: 'SELECT SLEEP(5)' },
] satisfies Array<{ engine: string; settings: Resolved<DatabaseSettings>; sleep: string }>)('statementTimeoutSeconds ($engine)', ({ engine, settings, sleep }) => {
  it('has the server stop a statement running longer', async () => {
    const connection = createDatabaseConnection(engine, settings, host);
    try {
      const db = connection.forTask(agentScope(engine).scope);
      const error = await db.query(sleep).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentError);
      expect((error as Error).message).toMatch(engine === 'postgres' ? /statement timeout \(57014\)/ : /max_statement_time exceeded/);
      expect((await db.query<{ one: unknown }>('SELECT 1 AS one')).rows.map((row) => Number(row.one))).toEqual([1]);
    } finally {
      await connection.close();
    }
  });
});
