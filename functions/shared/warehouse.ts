/**
 * The warehouse the examples load: `flights` and `airports` (loaded), and
 * `delay_stats` (an aggregate of `flights`, refreshed by `delay-stats`),
 * created on first use.
 *
 * The `warehouse` connection picks its engine from one variable
 * (`SLUICE_WAREHOUSE_URL`: unset = the embedded PGlite database, or a
 * `postgres://` / `mysql://` / `mariadb://` url), so every statement here and
 * in the processes is SQL that PostgreSQL and MariaDB both run. The one
 * difference is the DDL's timestamp type (PostgreSQL `TIMESTAMP`, MariaDB
 * `DATETIME`: its `TIMESTAMP` is a 1970–2038 epoch type with session time
 * zone conversions).
 */
import type { DatabaseAgent } from '../../lib/index.js';

export type WarehouseEngine = 'postgres' | 'mysql';

/** PostgreSQL (and PGlite) report `PostgreSQL 17.4 on ...`; MariaDB `11.4.2-MariaDB`, MySQL `8.4.0`. */
export async function engineOf(db: DatabaseAgent): Promise<WarehouseEngine> {
  const { rows } = await db.query<{ v: string }>('SELECT version() AS v');
  return /postgres/i.test(String(rows[0]?.v)) ? 'postgres' : 'mysql';
}

function ddl(engine: WarehouseEngine): string[] {
  const timestamp = engine === 'postgres' ? 'TIMESTAMP' : 'DATETIME';
  return [
    `CREATE TABLE IF NOT EXISTS flights (
       flight_id      VARCHAR(40) NOT NULL PRIMARY KEY,
       flight_date    DATE NOT NULL,
       departed_at    ${timestamp} NOT NULL,
       origin         VARCHAR(4) NOT NULL,
       destination    VARCHAR(4) NOT NULL,
       delay_minutes  INTEGER NOT NULL,
       distance_miles INTEGER NOT NULL,
       loaded_from    VARCHAR(64) NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS airports (
       iata      VARCHAR(4) NOT NULL PRIMARY KEY,
       name      VARCHAR(128) NOT NULL,
       city      VARCHAR(64),
       state     VARCHAR(8),
       country   VARCHAR(64) NOT NULL,
       latitude  DOUBLE PRECISION NOT NULL,
       longitude DOUBLE PRECISION NOT NULL
     )`,
    // Per origin airport, from `flights`. The exact sums are kept next to the
    // rounded ratios so that anyone can recompute them (and check them).
    `CREATE TABLE IF NOT EXISTS delay_stats (
       origin         VARCHAR(4) NOT NULL PRIMARY KEY,
       flights        INTEGER NOT NULL,
       total_delay    BIGINT NOT NULL,
       late_flights   INTEGER NOT NULL,
       avg_delay      DOUBLE PRECISION NOT NULL,
       delayed_share  DOUBLE PRECISION NOT NULL,
       refreshed_at   ${timestamp} NOT NULL
     )`,
  ];
}

/** Per container (worker thread on the embedded runtime): the DDL runs once per connection name. */
const ensured = new Map<string, Promise<void>>();

/** Creates the tables when missing (idempotent, so concurrent first runs are harmless). */
export function ensureWarehouse(db: DatabaseAgent, connection = 'warehouse'): Promise<void> {
  let done = ensured.get(connection);
  if (done === undefined) {
    done = (async () => {
      for (const statement of ddl(await engineOf(db))) await db.execute(statement);
    })();
    // A failure (database down) is not remembered: the next task tries again.
    done.catch(() => ensured.delete(connection));
    ensured.set(connection, done);
  }
  return done;
}
