import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches } from '../../lib/agents/database/batches.js';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import { startPgliteServer } from '../../lib/agents/database/PgliteServer.js';
import { createFileConnection } from '../../lib/agents/files/createFileConnection.js';
import { jsonLinesBatches } from '../../lib/agents/files/fileRecords.js';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import type { DatabaseAgent } from '../../lib/core/agents/DatabaseAgent.js';
import type { FileStorageAgent } from '../../lib/core/agents/FileStorageAgent.js';
import { RECORD_BATCHES, recordBatchesOf, type BatchedRecords } from '../../lib/core/agents/recordBatches.js';
import { fileTestScope, type CollectedLogLine } from './fileTestScope.js';
import { parquetTestFile } from './parquetTestFile.js';

/**
 * `load` takes a file reader's records in the parser's arrays
 * (`[RECORD_BATCHES]`, no promise per record): the table must end up exactly
 * as when the same records come one at a time, on every engine, and aborts,
 * malformed files and the task log must behave as on the record path.
 */
const TABLE = `load_batches_${process.pid}`;
const ROWS = 20_000; // ~1 MB: many 64 KiB chunks, so many parser arrays
const host = { kind: 'embedded' as const, serviceDir: process.cwd() };

const root = mkdtempSync(join(tmpdir(), 'sluice-batches-'));
const csvLines = ['id,name,note'];
for (let id = 1; id <= ROWS; id++) {
  const note = id % 11 === 0 ? '"a ""quoted"", comma\nnewline\ttab \\ back"' : id % 13 === 0 ? '' : `note ${id}`;
  csvLines.push(`${id},name ${id % 97},${note}`);
}
writeFileSync(join(root, 'rows.csv'), `\ufeff${csvLines.join('\r\n')}\r\n`);
writeFileSync(join(root, 'broken.csv'), `${csvLines.join('\n')}\n${ROWS + 1},too,many,fields\n${ROWS + 2},b,c\n`);

/** One task: a file agent and a database agent sharing the task's signal. */
function task(db: AgentConnection<DatabaseAgent>, files: AgentConnection<FileStorageAgent>) {
  const controller = new AbortController();
  const fileScope = fileTestScope('landing');
  const dbScope = fileTestScope('warehouse');
  return {
    controller,
    fileLines: fileScope.lines,
    files: files.forTask({ ...fileScope.scope, signal: controller.signal }),
    db: db.forTask({ ...dbScope.scope, signal: controller.signal }),
  };
}

/** The records one at a time, through an iterable without `[RECORD_BATCHES]`. */
async function* oneAtATime<T>(records: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const record of records) yield record;
}

/** A log line without its timing. */
const untimed = (line: CollectedLogLine) => ({ ...line, data: { ...(line.data as object), durationMs: 0 } });

const engines: Array<{ name: string; open: () => Promise<{ connection: AgentConnection<DatabaseAgent>; stop: () => Promise<void> }> }> = [
  { name: 'postgres', open: async () => ({ connection: createDatabaseConnection('warehouse', { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' }, host), stop: async () => {} }) },
  { name: 'mariadb', open: async () => ({ connection: createDatabaseConnection('warehouse', { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/test' }, host), stop: async () => {} }) },
  {
    name: 'pglite',
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-batches-'));
      const server = await startPgliteServer({ dataDir, name: 'batches' });
      return {
        connection: createDatabaseConnection('warehouse', { type: 'pglite' }, host, { pgliteUrl: server.url }),
        async stop() {
          await server.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

const fileConnection = createFileConnection('landing', { type: 'fs', root }, host);

afterAll(async () => {
  await fileConnection.close();
  rmSync(root, { recursive: true, force: true });
});

describe.each(engines)('load of readCsv in batches: $name', ({ open }) => {
  let opened: Awaited<ReturnType<typeof open>>;
  let admin: DatabaseAgent;

  beforeAll(async () => {
    opened = await open();
    admin = opened.connection.forTask(fileTestScope('warehouse').scope);
    await admin.execute(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.execute(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text NOT NULL, note text)`);
  }, 30_000);

  afterAll(async () => {
    await admin?.execute(`DROP TABLE IF EXISTS ${TABLE}`);
    await opened?.connection.close();
    await opened?.stop();
  });

  const contents = async () => (await admin.query(`SELECT id, name, note FROM ${TABLE} ORDER BY id`)).rows;
  const count = async () => Number((await admin.query<{ n: number }>(`SELECT count(*) AS n FROM ${TABLE}`)).rows[0]!.n);

  it('stores exactly what the record path stores, and logs the same readCsv line', async () => {
    const batched = task(opened.connection, fileConnection);
    expect(typeof batched.files.readCsv('rows.csv')[RECORD_BATCHES as never]).toBe('function');
    expect(await batched.db.load(TABLE, batched.files.readCsv('rows.csv'))).toEqual({ rowCount: ROWS });
    const viaBatches = await contents();
    await admin.execute(`DELETE FROM ${TABLE}`);

    const single = task(opened.connection, fileConnection);
    expect(await single.db.load(TABLE, oneAtATime(single.files.readCsv('rows.csv')))).toEqual({ rowCount: ROWS });
    const viaRecords = await contents();
    await admin.execute(`DELETE FROM ${TABLE}`);

    expect(viaBatches).toHaveLength(ROWS);
    expect(viaBatches).toEqual(viaRecords);
    expect(viaBatches[10]).toEqual({ id: 11, name: 'name 11', note: 'a "quoted", comma\nnewline\ttab \\ back' });
    expect(batched.fileLines.map(untimed)).toEqual(single.fileLines.map(untimed));
    expect(batched.fileLines).toEqual([{ level: 'info', message: 'landing readCsv', data: expect.objectContaining({ operation: 'readCsv', path: 'rows.csv', rows: ROWS }) }]);
  });

  it('stores an array of rows (already a batch) as the record path does', async () => {
    const records: Record<string, string>[] = [];
    const reading = task(opened.connection, fileConnection);
    for await (const record of reading.files.readCsv('rows.csv')) records.push(record);
    expect(await reading.db.load(TABLE, records, { batchSize: 3_000 })).toEqual({ rowCount: ROWS });
    expect(await count()).toBe(ROWS);
    expect((await contents())[10]).toEqual({ id: 11, name: 'name 11', note: 'a "quoted", comma\nnewline\ttab \\ back' });
    await admin.execute(`DELETE FROM ${TABLE}`);
  });

  it('stores nothing when the CSV turns out malformed after many rows: the reader refuses, its line says so', async () => {
    const loading = task(opened.connection, fileConnection);
    const error = await loading.db.load(TABLE, loading.files.readCsv('broken.csv')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AgentRefusedError);
    expect((error as Error).message).toMatch(/readCsv.*not CSV/);
    expect(await count()).toBe(0);
    expect(loading.fileLines).toEqual([{ level: 'warn', message: 'landing readCsv failed', data: expect.objectContaining({ operation: 'readCsv', error: expect.stringMatching(/^AgentRefusedError: .*Invalid Record Length/) }) }]);
  });

  it('stops and stores nothing when the task is aborted mid-load', async () => {
    const loading = task(opened.connection, fileConnection);
    const reader = loading.files.readCsv('rows.csv');
    let handed = 0;
    // The reader's own arrays; the task is aborted once two of them have gone to load.
    const abortingAfterTwo: BatchedRecords<Record<string, string>> = {
      [Symbol.asyncIterator]: () => reader[Symbol.asyncIterator](),
      [RECORD_BATCHES]: async function* () {
        for await (const batch of recordBatchesOf(reader)!) {
          yield batch;
          if (++handed === 2) loading.controller.abort(new Error('deadline'));
        }
      },
    };
    await expect(loading.db.load(TABLE, abortingAfterTwo, { batchSize: 100 })).rejects.toBeInstanceOf(AgentError);
    expect(handed).toBe(2);
    expect(await count()).toBe(0);
    expect(loading.fileLines).toEqual([{ level: 'warn', message: 'landing readCsv failed', data: expect.objectContaining({ error: expect.stringMatching(/^AgentError: .*aborted by the task signal/) }) }]);
  });
});

describe('the readers in batches and record by record', () => {
  const files = () => {
    const { scope, lines } = fileTestScope('landing');
    return { files: fileConnection.forTask(scope), fileLines: lines };
  };

  it("readCsv's records, either way, are csv-parse's `columns: true` records, in order", async () => {
    const expected = parse(readFileSync(join(root, 'rows.csv')), { bom: true, columns: true }) as Record<string, string>[];
    const { files: agent, fileLines } = files();
    const records: Record<string, string>[] = [];
    for await (const record of agent.readCsv('rows.csv')) records.push(record);
    const arrays: Record<string, string>[][] = [];
    for await (const batch of recordBatchesOf(agent.readCsv('rows.csv'))!) arrays.push(batch);
    expect(records).toEqual(expected);
    expect(arrays.length).toBeGreaterThan(2);
    expect(arrays.every((batch) => batch.length > 0)).toBe(true);
    expect(arrays.flat()).toEqual(expected);
    expect(fileLines.map((line) => (line.data as { rows: number }).rows)).toEqual([ROWS, ROWS]);
  });

  it('logs the records taken when the consumer stops early', async () => {
    const { files: agent, fileLines } = files();
    let taken = 0;
    for await (const record of agent.readCsv('rows.csv')) if (++taken === 5 || record.id === '') break;
    expect(fileLines.map((line) => (line.data as { rows: number }).rows)).toEqual([5]);
  });

  it('reads a result one way only: the other way is refused; the same way reads the file again', async () => {
    const { files: agent } = files();
    const rows = agent.readCsv('rows.csv');
    let n = 0;
    for await (const _ of rows) n++;
    for await (const _ of rows) n++;
    expect(n).toBe(2 * ROWS);
    expect(() => recordBatchesOf(rows)).toThrow(AgentRefusedError);
    expect(() => recordBatchesOf(rows)).toThrow(/already read record by record/);
    const other = agent.readCsv('rows.csv');
    recordBatchesOf(other);
    expect(() => other[Symbol.asyncIterator]()).toThrow(/already read in batches/);
  });

  it('readJsonLines gives the lines of a chunk per array, the same values as record by record', async () => {
    const values = Array.from({ length: 5_000 }, (_, i) => ({ id: i, text: `value ${i} é` }));
    writeFileSync(join(root, 'rows.jsonl'), `${values.map((value) => JSON.stringify(value)).join('\r\n')}\n\n`);
    const { files: agent, fileLines } = files();
    const arrays: unknown[][] = [];
    for await (const batch of recordBatchesOf(agent.readJsonLines('rows.jsonl'))!) arrays.push(batch);
    const records: unknown[] = [];
    for await (const record of agent.readJsonLines('rows.jsonl')) records.push(record);
    expect(arrays.length).toBeGreaterThan(1);
    expect(arrays.flat()).toEqual(values);
    expect(records).toEqual(values);
    expect(fileLines.map((line) => (line.data as { rows: number }).rows)).toEqual([5_000, 5_000]);
  });

  it('readParquet gives a row group per array, the same rows as record by record', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: i, name: `n${i}` }));
    writeFileSync(join(root, 'rows.parquet'), parquetTestFile([{ name: 'id', type: 'int32' }, { name: 'name', type: 'utf8' }], rows, 100));
    const { files: agent } = files();
    const arrays: unknown[][] = [];
    for await (const batch of recordBatchesOf(agent.readParquet('rows.parquet'))!) arrays.push(batch);
    const records: unknown[] = [];
    for await (const record of agent.readParquet('rows.parquet')) records.push(record);
    expect(arrays.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(arrays.flat()).toEqual(records);
    expect(records).toEqual(rows);
  });
});

describe("load's batches", () => {
  const collect = async <T>(source: AsyncIterable<T[]>) => {
    const out: T[][] = [];
    for await (const batch of source) out.push(batch);
    return out;
  };
  const batched = (arrays: number[][]): BatchedRecords<number> => ({
    [Symbol.asyncIterator]: () => {
      throw new Error('read record by record');
    },
    [RECORD_BATCHES]: async function* () {
      yield* arrays;
    },
  });

  it("regroups a reader's arrays into batches of the batch size, in order", async () => {
    expect(await collect(batches(batched([[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]]), 2))).toEqual([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11]]);
    expect(await collect(batches(batched([[1], [2], [3]]), 5))).toEqual([[1, 2, 3]]);
    expect(await collect(batches(batched([[1, 2], [3, 4]]), 2))).toEqual([[1, 2], [3, 4]]);
    expect(await collect(batches(batched([]), 2))).toEqual([]);
  });

  it('slices an array; reads any other iterable one row at a time', async () => {
    expect(await collect(batches([1, 2, 3, 4, 5], 2))).toEqual([[1, 2], [3, 4], [5]]);
    expect(await collect(batches(new Set([1, 2, 3]), 2))).toEqual([[1, 2], [3]]);
    expect(await collect(batches(oneAtATime(batched([[1, 2, 3]])[RECORD_BATCHES]()), 2))).toEqual([[[1, 2, 3]]]);
  });
});

describe('JSON Lines in arrays', () => {
  /** What readJsonLines gave when it read node:readline's lines: the values, then the error's message. */
  async function viaReadline(chunks: Buffer[]) {
    const values: unknown[] = [];
    let number = 0;
    for await (const line of createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) {
      number++;
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        return { values, error: `line ${number} is not JSON` };
      }
    }
    return { values, error: undefined };
  }
  async function viaBatches(chunks: Buffer[]) {
    const values: unknown[] = [];
    try {
      for await (const batch of jsonLinesBatches(Readable.from(chunks))) values.push(...batch);
    } catch (error) {
      return { values, error: (error as Error).message };
    }
    return { values, error: undefined };
  }

  it("splits lines as node:readline does, whatever the chunks (\\r, \\r\\n split between chunks, UTF-8 split mid-character)", async () => {
    const pieces = ['{"a":1}', '"é☃"', '', '  ', '[1,2]', 'null', 'bad', '\r', '\n', '\r\n', '\n', '\r', '"x"'];
    let seed = 7; // a fixed pseudo-random sequence: the same cases every run
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      let text = '';
      for (let i = next(12); i > 0; i--) {
        const piece = pieces[next(pieces.length)]!;
        if (piece !== 'bad' || next(3) === 0) text += piece;
      }
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + next(6);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(await viaBatches(chunks), JSON.stringify(text)).toEqual(await viaReadline(chunks));
    }
  });
});
