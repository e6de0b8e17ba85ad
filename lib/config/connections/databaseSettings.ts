import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import { secretable, type Resolved } from './secretRef.js';

/** The database engines the database agent has adapters for. */
export type DatabaseEngine = 'postgres' | 'mysql' | 'pglite';

const POSTGRES_SCHEMES = ['postgres:', 'postgresql:'];
const MYSQL_SCHEMES = ['mysql:', 'mariadb:'];
/** A PGlite database name: a file name under the runtime's data directory (no path, no dot first). */
const PGLITE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$/;

/** Why `url` is not a URL of one of `schemes`, or `undefined` when it is. */
function serverUrlProblem(url: string, schemes: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a URL (expected ${schemes.map((s) => `${s}//`).join(' or ')}...)`;
  }
  if (!schemes.includes(parsed.protocol)) return `must start with ${schemes.map((s) => `${s}//`).join(' or ')} (got ${parsed.protocol})`;
  if (parsed.hostname === '') return 'names no host';
  return undefined;
}

function serverUrl(schemes: readonly string[]) {
  return z.string().superRefine((url, ctx) => {
    const problem = serverUrlProblem(url, schemes);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** Which engine a `database` url picks, or why it picks none. */
function engineOfUrl(url: string): { engine: DatabaseEngine } | { problem: string } {
  if (url.startsWith('pglite:')) {
    const name = url.slice('pglite:'.length);
    return PGLITE_NAME.test(name) ? { engine: 'pglite' } : { problem: `pglite:<name> needs a name of letters, digits, '_' and '-' (got '${name}')` };
  }
  const problem = serverUrlProblem(url, [...POSTGRES_SCHEMES, ...MYSQL_SCHEMES]);
  if (problem !== undefined) return { problem: `${problem}, or be pglite:<name>` };
  return { engine: POSTGRES_SCHEMES.includes(new URL(url).protocol) ? 'postgres' : 'mysql' };
}

const poolSchema = z.strictObject({
  /** Most connections the pool opens. @default 5 (embedded), 2 (Lambda: also the most allowed there) */
  max: z.int().min(1).max(100),
});

/** Settings every server engine shares (PostgreSQL, MySQL/MariaDB). */
const serverSettings = {
  /** Overrides the url's password: keep the url plain and the password a secret reference. */
  password: secretable(z.string().min(1)).optional(),
  pool: poolSchema.optional(),
  /** The server stops a statement running longer: PostgreSQL `statement_timeout`; MariaDB `max_statement_time`; MySQL `max_execution_time` (SELECT only). Not on PGlite. */
  statementTimeoutSeconds: z.number().positive().max(86_400).optional(),
  /** `true`: TLS, the server's certificate verified; `'require'`: TLS without verification (libpq's `sslmode=require`). */
  ssl: z.union([z.boolean(), z.literal('require')]).optional(),
};

/**
 * ```yaml
 * warehouse:
 *   type: postgres
 *   url: postgres://etl@db.internal:5432/warehouse
 *   password: { ssm: /prod/warehouse-password }
 *   pool: { max: 5 }
 * ```
 */
export const postgresSettingsSchema = z.strictObject({
  type: z.literal('postgres'),
  url: secretable(serverUrl(POSTGRES_SCHEMES)),
  ...serverSettings,
});

/** Like {@link postgresSettingsSchema}, with a `mysql://` or `mariadb://` url. */
export const mysqlSettingsSchema = z.strictObject({
  type: z.literal('mysql'),
  url: secretable(serverUrl(MYSQL_SCHEMES)),
  ...serverSettings,
});

/** The embedded default: a PGlite database (PostgreSQL compiled to WASM) in a file under the runtime's data directory. */
export const pgliteSettingsSchema = z.strictObject({
  type: z.literal('pglite'),
  /** The database's file name. @default the connection's name */
  name: z.string().regex(PGLITE_NAME, "is not a database name (letters, digits, '_' and '-')").optional(),
});

/**
 * Any engine, picked by the url's scheme (`postgres://`, `postgresql://`,
 * `mysql://`, `mariadb://`, `pglite:<name>`), so one variable switches it:
 * `url: ${env:WAREHOUSE_URL, 'pglite:warehouse'}`. The server settings are
 * ignored for `pglite:`.
 */
export const databaseSettingsSchema = z.strictObject({
  type: z.literal('database'),
  url: secretable(
    z.string().superRefine((url, ctx) => {
      const engine = engineOfUrl(url);
      if ('problem' in engine) ctx.addIssue({ code: 'custom', message: engine.problem });
    }),
  ),
  ...serverSettings,
});

/** The settings schema of each database connection type (`custom.sluice.connections.<name>.type`). */
export const databaseConnectionSchemas = {
  postgres: postgresSettingsSchema,
  mysql: mysqlSettingsSchema,
  pglite: pgliteSettingsSchema,
  database: databaseSettingsSchema,
} as const;

export type DatabaseSettings = z.output<(typeof databaseConnectionSchemas)[keyof typeof databaseConnectionSchemas]>;

/** A database connection's settings, engine decided, secrets resolved. */
export type DatabaseEngineSettings =
  | {
      engine: 'postgres' | 'mysql';
      /** With the settings' `password` in it, when given: never log it. */
      url: string;
      poolMax?: number;
      statementTimeoutSeconds?: number;
      ssl?: boolean | 'require';
    }
  | {
      engine: 'pglite';
      /** The database's file name; `undefined`: the connection's name (when not given here). */
      name: string | undefined;
    };

/**
 * Decides the engine of resolved settings and normalizes them: the password
 * goes into the url, a `database` url becomes its engine's settings.
 *
 * @param connectionName  the default PGlite database name
 * @throws ConfigError  a url (resolved from a secret reference, so unchecked
 *   when the settings were parsed) that names no engine; the message never
 *   holds the url
 */
export function resolveDatabaseEngine(settings: Resolved<DatabaseSettings>, connectionName?: string): DatabaseEngineSettings {
  if (settings.type === 'pglite') return { engine: 'pglite', name: settings.name ?? connectionName };
  let engine: DatabaseEngine;
  if (settings.type === 'database') {
    const picked = engineOfUrl(settings.url);
    if ('problem' in picked) throw new ConfigError(`url ${picked.problem}`);
    engine = picked.engine;
    if (engine === 'pglite') return { engine, name: settings.url.slice('pglite:'.length) };
  } else {
    engine = settings.type;
    const problem = serverUrlProblem(settings.url, engine === 'postgres' ? POSTGRES_SCHEMES : MYSQL_SCHEMES);
    if (problem !== undefined) throw new ConfigError(`url ${problem}`);
  }
  const url = new URL(settings.url);
  if (settings.password !== undefined) url.password = encodeURIComponent(settings.password);
  return {
    engine,
    url: url.toString(),
    ...(settings.pool !== undefined ? { poolMax: settings.pool.max } : {}),
    ...(settings.statementTimeoutSeconds !== undefined ? { statementTimeoutSeconds: settings.statementTimeoutSeconds } : {}),
    ...(settings.ssl !== undefined ? { ssl: settings.ssl } : {}),
  };
}
