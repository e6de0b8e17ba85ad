import { randomBytes } from 'node:crypto';
import { AgentRefusedError } from '../../core/agents/agentErrors.js';
import type { LoadMode, LoadOptions } from '../../core/agents/DatabaseAgent.js';
import { batches } from './batches.js';
import { invalidDateReason, loadValue } from './loadValue.js';
import { quoteIdentifier } from './quoteIdentifier.js';
import type { SqlDialect, SqlSession } from './SqlPool.js';

type Row = Record<string, unknown>;

const MODES: readonly LoadMode[] = ['append', 'replace', 'merge'];
const DEFAULT_BATCH_SIZE = 1_000;
/** The staging table's column numbering the rows of a merge in load order. */
const ROW_ORDER = 'sluice_row_order';
/** Both protocols count a statement's parameters in 16 bits: an INSERT binds at most 65,535 values. */
const MAX_PARAMETERS = 65_535;

interface LoadPlan {
  mode: LoadMode;
  table: string;
  key: string[];
  batchSize: number;
}

/**
 * DatabaseAgent.load on one session, in one transaction (all rows or none):
 * - append: COPY FROM STDIN when the engine has it (one COPY for the whole
 *   load, a CopyData message per batch: the server stores a batch while the
 *   next one is read), else multi-row INSERTs;
 * - replace: DELETE of every row, then the append — readers see the old rows
 *   until COMMIT (a DELETE, not TRUNCATE: TRUNCATE takes an ACCESS EXCLUSIVE
 *   lock on PostgreSQL and commits implicitly on MySQL);
 * - merge: PostgreSQL COPY into a temporary table then one
 *   `INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE`; without COPY,
 *   `INSERT ... ON CONFLICT` / MySQL `ON DUPLICATE KEY UPDATE` per batch;
 *   a key the load repeats keeps its last row (dlt's merge), on every engine.
 * Columns are the first row's keys; a later row with another key is refused.
 *
 * @throws AgentRefusedError  an invalid table, column or key name, mode or batch size
 */
export async function loadRows(session: SqlSession, dialect: SqlDialect, connection: string, table: string, rows: Iterable<Row> | AsyncIterable<Row>, options: LoadOptions): Promise<{ rowCount: number }> {
  const plan = planLoad(dialect, connection, table, options);
  let columns: string[] | undefined;
  let quotedColumns: string[] = [];
  let staging: string | undefined;
  let rowCount = 0;
  await session.run('BEGIN', []);
  try {
    if (plan.mode === 'replace') await session.run(`DELETE FROM ${plan.table}`, []);
    const pending = batches(rows, plan.batchSize)[Symbol.asyncIterator]();
    const first = await pending.next();
    if (!first.done) {
      columns = Object.keys(first.value[0]!);
      if (columns.length === 0) throw new AgentRefusedError(connection, 'load', 'the first row has no columns (columns are the first row\'s keys)');
      quotedColumns = columns.map((column) => quoteColumn(dialect, connection, column));
      if (plan.mode === 'merge') checkKey(connection, plan.key, columns);
      if (plan.mode === 'merge' && dialect.copy) {
        staging = `sluice_load_${randomBytes(6).toString('hex')}`;
        await session.run(`CREATE TEMPORARY TABLE ${staging} (LIKE ${plan.table} INCLUDING DEFAULTS) ON COMMIT DROP`, []);
        // The rows' order, to keep the last row of a key the load repeats (COPY leaves it out: numbered as it stores).
        await session.run(`ALTER TABLE ${staging} ADD COLUMN ${ROW_ORDER} bigint GENERATED ALWAYS AS IDENTITY`, []);
      }
      const checked = columns;
      // Every batch checked and counted as it goes by; the first one is already read.
      const all = async function* (): AsyncGenerator<Row[]> {
        for (let next: IteratorResult<Row[]> = first; !next.done; next = await pending.next()) {
          checkColumns(connection, checked, next.value);
          rowCount += next.value.length;
          yield next.value;
        }
      };
      if (dialect.copy) {
        // One COPY for the whole load: the server stores a batch while the next one is read and encoded.
        await session.copyRows!(staging ?? plan.table, quotedColumns, all());
      } else {
        for await (const batch of all()) await insertBatch(session, dialect, plan, checked, quotedColumns, batch);
      }
    }
    if (staging !== undefined && columns !== undefined) {
      const list = quotedColumns.join(', ');
      const key = plan.key.map((column) => quoteIdentifier(column, dialect.quote, false)).join(', ');
      // One row per key, the last loaded: ON CONFLICT cannot update a row twice in one statement.
      await session.run(
        `INSERT INTO ${plan.table} (${list}) SELECT DISTINCT ON (${key}) ${list} FROM ${staging} ORDER BY ${key}, ${ROW_ORDER} DESC${upsertClause(dialect, plan, columns, quotedColumns)}`,
        [],
      );
    }
    await session.run('COMMIT', []);
    return { rowCount };
  } catch (error) {
    await session.run('ROLLBACK', []).catch(() => {});
    throw error;
  }
}

function planLoad(dialect: SqlDialect, connection: string, table: string, options: LoadOptions): LoadPlan {
  const refuse = (message: string) => new AgentRefusedError(connection, 'load', message);
  const mode = options.mode ?? 'append';
  if (!MODES.includes(mode)) throw refuse(`mode must be ${MODES.join(', ')} (got '${String(mode)}')`);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw refuse(`batchSize must be a positive integer (got ${batchSize})`);
  const quotedTable = quoteIdentifier(table, dialect.quote, true);
  if (quotedTable === undefined) throw refuse(`'${table}' is not a table name (letters, digits, '_', '$'; schema.table allowed)`);
  const key = options.key === undefined ? [] : typeof options.key === 'string' ? [options.key] : [...options.key];
  if (mode === 'merge' && key.length === 0) throw refuse('merge needs key: the column(s) of a unique key of the table');
  for (const column of key) quoteColumn(dialect, connection, column);
  return { mode, table: quotedTable, key, batchSize };
}

function quoteColumn(dialect: SqlDialect, connection: string, column: string): string {
  const quoted = quoteIdentifier(column, dialect.quote, false);
  if (quoted === undefined) throw new AgentRefusedError(connection, 'load', `'${column}' is not a column name (letters, digits, '_', '$')`);
  return quoted;
}

function checkKey(connection: string, key: readonly string[], columns: readonly string[]): void {
  const missing = key.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new AgentRefusedError(connection, 'load', `the rows have no key column ${missing.join(', ')}`);
}

function checkColumns(connection: string, columns: readonly string[], batch: readonly Row[]): void {
  for (const row of batch) {
    const names = Object.keys(row);
    // The common case, rows of one reader: the first row's keys in its order, one comparison per key.
    const sameColumns = names.length <= columns.length && names.every((name, i) => name === columns[i]);
    for (const name of names) {
      if (!sameColumns && !columns.includes(name)) throw new AgentRefusedError(connection, 'load', `a row has column '${name}' the first row lacks (columns are the first row's keys)`);
      // Dates are checked on every path (MySQL would store an invalid one as the zero date).
      const value = row[name];
      const invalid = value instanceof Date ? invalidDateReason(value) : undefined;
      if (invalid !== undefined) throw new AgentRefusedError(connection, 'load', `column '${name}' of a row is ${invalid}`);
    }
  }
}

/** Multi-row INSERTs of `batch`, split to stay under the parameter limit. */
async function insertBatch(session: SqlSession, dialect: SqlDialect, plan: LoadPlan, columns: readonly string[], quotedColumns: readonly string[], rows: readonly Row[]): Promise<void> {
  // PostgreSQL's ON CONFLICT cannot update a row twice in one statement; the batch keeps each key's last row
  // (later batches are later statements: their rows update the earlier ones).
  const batch = plan.mode === 'merge' ? lastPerKey(rows, plan.key) : rows;
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < batch.length; start += rowsPerStatement) {
    const chunk = batch.slice(start, start + rowsPerStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = columns.map((column) => {
        values.push(loadValue(row[column]));
        return dialect.placeholder === '$n' ? `$${values.length}` : '?';
      });
      return `(${placeholders.join(', ')})`;
    });
    const upsert = plan.mode === 'merge' ? upsertClause(dialect, plan, columns, quotedColumns) : '';
    await session.run(`INSERT INTO ${plan.table} (${quotedColumns.join(', ')}) VALUES ${tuples.join(', ')}${upsert}`, values);
  }
}

/** ` ON CONFLICT (key) DO UPDATE SET ...` (PostgreSQL) or ` ON DUPLICATE KEY UPDATE ...` (MySQL). */
function upsertClause(dialect: SqlDialect, plan: LoadPlan, columns: readonly string[], quotedColumns: readonly string[]): string {
  const updated = quotedColumns.filter((_, i) => !plan.key.includes(columns[i]!));
  if (dialect.engine === 'mysql') {
    // MySQL has no DO NOTHING: a key-only load assigns the key to itself.
    const sets = updated.length > 0 ? updated.map((c) => `${c} = VALUES(${c})`) : [`${quotedColumns[0]} = ${quotedColumns[0]}`];
    return ` ON DUPLICATE KEY UPDATE ${sets.join(', ')}`;
  }
  const key = plan.key.map((column) => quoteIdentifier(column, dialect.quote, false)).join(', ');
  return updated.length > 0 ? ` ON CONFLICT (${key}) DO UPDATE SET ${updated.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : ` ON CONFLICT (${key}) DO NOTHING`;
}

/** The last row of each key, in the order of those last rows (dlt's merge: the last row of a key wins). */
function lastPerKey(rows: readonly Row[], key: readonly string[]): Row[] {
  const last = new Map<string, Row>();
  for (const [index, row] of rows.entries()) {
    const id = JSON.stringify(key.map((column) => keyText(row[column], index)));
    last.delete(id);
    last.set(id, row);
  }
  return [...last.values()];
}

/** A key value as the database compares it, near enough: 1 and '1' are one key; NULLs never conflict. */
function keyText(value: unknown, index: number): string {
  const loaded = loadValue(value);
  if (loaded === null) return `null:${index}`;
  if (Buffer.isBuffer(loaded)) return `bytes:${loaded.toString('hex')}`;
  if (loaded instanceof Date) return loaded.toISOString();
  return String(loaded);
}
