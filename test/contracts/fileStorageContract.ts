import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import type { FileStorageAgent } from '../../lib/core/agents/FileStorageAgent.js';
import { fileTestScope, type FileTestScope } from '../agents/fileTestScope.js';
import { parquetTestFile } from '../agents/parquetTestFile.js';

export interface FileStorageFixture {
  connection: AgentConnection<FileStorageAgent>;
  /** Everything stored outside the connection's root/prefix (names and contents): path-jail attacks must leave it unchanged. */
  outside(): Promise<string[]>;
  /** Credentials that must never reach a log line (an SFTP password). */
  secrets: string[];
  cleanup(): Promise<void>;
}

const CONNECTION = 'landing';
let seq = 0;
/** A directory of its own per test: the connection (and its root) is shared by the whole suite. */
const fresh = (label: string) => `${label}-${process.pid}-${(seq++).toString(36)}`;

const MiB = 1024 * 1024;
const BIG_BYTES = 20 * MiB;
const CHUNK_BYTES = 64 * 1024;

/** Chunk `index` of the big test file: different bytes per chunk, so a lost or repeated chunk changes the hash. */
function bigChunk(index: number): Buffer {
  const chunk = Buffer.alloc(CHUNK_BYTES, index % 251);
  chunk.writeUInt32BE(index, 0);
  return chunk;
}

async function* bigFile(): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < BIG_BYTES / CHUNK_BYTES; index++) yield bigChunk(index);
}

function bigFileHash(): string {
  const hash = createHash('sha256');
  for (let index = 0; index < BIG_BYTES / CHUNK_BYTES; index++) hash.update(bigChunk(index));
  return hash.digest('hex');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

/** Paths a logic might be tricked into passing: each must be refused before anything is touched. */
export const PATH_ATTACKS = ['../x', 'a/../../x', '/etc/passwd', 'a\0b', '..\\x', 'C:\\Windows\\win.ini', 'c:/x', 'a//b', './x', 'a/./b', '..', '.', ''] as const;

/**
 * What every file storage connection (`fs`, `s3`, `sftp`) must do, through
 * the agent a logic gets (`connection.forTask(scope)`).
 */
export function describeFileStorageContract(name: string, createFixture: () => Promise<FileStorageFixture>): void {
  describe(`FileStorageAgent contract: ${name}`, () => {
    let fx: FileStorageFixture;
    let task: FileTestScope;
    let files: FileStorageAgent;
    const newTask = () => {
      task = fileTestScope(CONNECTION);
      files = fx.connection.forTask(task.scope);
    };
    beforeAll(async () => {
      fx = await createFixture();
      newTask();
    });
    afterAll(async () => {
      await fx?.connection.close();
      await fx?.cleanup();
    });

    it('puts and gets bytes (all 256 values) and UTF-8 text, replacing a file already there', async () => {
      const dir = fresh('roundtrip');
      const binary = Uint8Array.from({ length: 512 }, (_, index) => index % 256);
      await files.put(`${dir}/bytes.bin`, binary);
      expect(Buffer.from(await files.get(`${dir}/bytes.bin`)).equals(Buffer.from(binary))).toBe(true);

      const text = 'naïve — 東京 🚰\nline two\r\n';
      await files.put(`${dir}/deep/er/text.txt`, text, { contentType: 'text/plain' });
      expect(await files.getText(`${dir}/deep/er/text.txt`)).toBe(text);

      await files.put(`${dir}/deep/er/text.txt`, 'shorter');
      expect(await files.getText(`${dir}/deep/er/text.txt`)).toBe('shorter');
      await files.put(`${dir}/empty`, new Uint8Array(0));
      expect((await files.get(`${dir}/empty`)).byteLength).toBe(0);
    });

    it('lists files under a directory, recursively on request, sorted by path, with size and time', async () => {
      const dir = fresh('list');
      const before = Date.now() - 2000;
      await files.put(`${dir}/b.txt`, 'bb');
      await files.put(`${dir}/a.txt`, 'a');
      await files.put(`${dir}/sub/c.txt`, 'ccc');
      await files.put(`${dir}/sub/deeper/d.txt`, 'dddd');
      await files.put(`${dir}-sibling/e.txt`, 'not under dir');

      const top = await files.list(dir);
      expect(top.map((file) => file.path)).toEqual([`${dir}/a.txt`, `${dir}/b.txt`]);
      expect(top[1]!.size).toBe(2);
      expect(top[0]!.modifiedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(Date.parse(top[0]!.modifiedAt)).toBeGreaterThan(before);

      const all = await files.list(`${dir}/`, { recursive: true });
      expect(all.map((file) => [file.path, file.size])).toEqual([
        [`${dir}/a.txt`, 1],
        [`${dir}/b.txt`, 2],
        [`${dir}/sub/c.txt`, 3],
        [`${dir}/sub/deeper/d.txt`, 4],
      ]);
      expect((await files.list(`${dir}/sub`)).map((file) => file.path)).toEqual([`${dir}/sub/c.txt`]);
      expect(await files.list(`${dir}/missing`)).toEqual([]);
      expect((await files.list('', { recursive: true })).map((file) => file.path)).toEqual(expect.arrayContaining([`${dir}/a.txt`, `${dir}-sibling/e.txt`]));
    });

    it('stats a file, and gives undefined for a missing file or a directory', async () => {
      const dir = fresh('stat');
      await files.put(`${dir}/file.txt`, '12345');
      expect(await files.stat(`${dir}/file.txt`)).toMatchObject({ path: `${dir}/file.txt`, size: 5 });
      expect(await files.stat(`${dir}/missing.txt`)).toBeUndefined();
      expect(await files.stat(`${dir}`)).toBeUndefined();
      expect(await files.stat(`${fresh('nowhere')}/x`)).toBeUndefined();
    });

    it('deletes a file; deleting a missing one is fine', async () => {
      const dir = fresh('delete');
      await files.put(`${dir}/file.txt`, 'x');
      await files.delete(`${dir}/file.txt`);
      expect(await files.stat(`${dir}/file.txt`)).toBeUndefined();
      await files.delete(`${dir}/file.txt`);
      await files.delete(`${fresh('nowhere')}/x`);
    });

    it('moves a file, replacing the target; moving a missing file is an AgentError', async () => {
      const dir = fresh('move');
      await files.put(`${dir}/from.txt`, 'payload');
      await files.move(`${dir}/from.txt`, `${dir}/to/moved.txt`);
      expect(await files.stat(`${dir}/from.txt`)).toBeUndefined();
      expect(await files.getText(`${dir}/to/moved.txt`)).toBe('payload');

      await files.put(`${dir}/newer.txt`, 'newer');
      await files.move(`${dir}/newer.txt`, `${dir}/to/moved.txt`);
      expect(await files.getText(`${dir}/to/moved.txt`)).toBe('newer');
      expect((await files.list(dir, { recursive: true })).map((file) => file.path)).toEqual([`${dir}/to/moved.txt`]);

      const missing = files.move(`${dir}/missing.txt`, `${dir}/x.txt`);
      await expect(missing).rejects.toBeInstanceOf(AgentError);
      await expect(missing).rejects.toMatchObject({ name: 'FileNotFoundError', connection: CONNECTION });
    });

    it('fails get/getText/getStream of a missing file with a FileNotFoundError (an AgentError)', async () => {
      const path = `${fresh('missing')}/nothing.txt`;
      for (const call of [() => files.get(path), () => files.getText(path), () => files.getStream(path)]) {
        await expect(call()).rejects.toBeInstanceOf(AgentError);
        await expect(call()).rejects.toMatchObject({ name: 'FileNotFoundError', path });
      }
    });

    it('streams a 20 MiB file in and out without holding it in memory', async () => {
      const path = `${fresh('big')}/big.bin`;
      const { bytes } = await files.putStream(path, bigFile(), { contentType: 'application/octet-stream' });
      expect(bytes).toBe(BIG_BYTES);
      expect(await files.stat(path)).toMatchObject({ size: BIG_BYTES });

      const hash = createHash('sha256');
      let read = 0;
      for await (const chunk of await files.getStream(path)) {
        hash.update(chunk as Buffer);
        read += (chunk as Buffer).byteLength;
      }
      expect(read).toBe(BIG_BYTES);
      expect(hash.digest('hex')).toBe(bigFileHash());
    });

    it('writes CSV and reads it back: quotes, delimiters, newlines, unicode, header from the first record', async () => {
      const path = `${fresh('csv')}/people.csv`;
      const records = [
        { name: 'Ada "the first" Lovelace', city: 'London, UK', note: 'line one\nline two', n: 1, ok: true },
        { name: 'Zoë Ångström', city: '東京', note: '', n: 2.5, ok: false },
        { name: '  spaced  ', city: null, note: 'semi;colon', n: -3, ok: undefined, extra: 'dropped' },
      ];
      const written = await files.writeCsv(path, records);
      expect(written.records).toBe(3);
      expect(written.bytes).toBe((await files.get(path)).byteLength);
      expect(await collect(files.readCsv(path))).toEqual([
        { name: 'Ada "the first" Lovelace', city: 'London, UK', note: 'line one\nline two', n: '1', ok: 'true' },
        { name: 'Zoë Ångström', city: '東京', note: '', n: '2.5', ok: 'false' },
        { name: '  spaced  ', city: '', note: 'semi;colon', n: '-3', ok: '' },
      ]);

      const semicolons = `${fresh('csv')}/semi.csv`;
      async function* generated() {
        yield { a: 'x;y', b: 'plain' };
        yield { a: 'z', b: 'w' };
      }
      expect(await files.writeCsv(semicolons, generated(), { delimiter: ';' })).toMatchObject({ records: 2 });
      expect((await files.getText(semicolons)).split('\n')[0]).toBe('a;b');
      expect(await collect(files.readCsv(semicolons, { delimiter: ';' }))).toEqual([
        { a: 'x;y', b: 'plain' },
        { a: 'z', b: 'w' },
      ]);
    });

    it('reads CSV with a BOM and CRLF line ends, and refuses a malformed CSV file (not retriable)', async () => {
      const dir = fresh('csv-in');
      await files.put(`${dir}/excel.csv`, '\uFEFFid,label\r\n1,"a, b"\r\n2,c\r\n');
      expect(await collect(files.readCsv(`${dir}/excel.csv`))).toEqual([
        { id: '1', label: 'a, b' },
        { id: '2', label: 'c' },
      ]);
      await files.put(`${dir}/broken.csv`, 'a,b\n"unterminated,1\n');
      await expect(collect(files.readCsv(`${dir}/broken.csv`))).rejects.toBeInstanceOf(AgentRefusedError);
    });

    it('writes JSON Lines and reads them back', async () => {
      const path = `${fresh('jsonl')}/events.jsonl`;
      const records = [{ id: 1, text: 'multi\nline "quoted"', tags: ['ü', '東'] }, 'a string', 42, null, { nested: { deep: [true, false] } }];
      const written = await files.writeJsonLines(path, records);
      expect(written).toEqual({ records: 5, bytes: (await files.get(path)).byteLength });
      expect((await files.getText(path)).split('\n')).toHaveLength(6);
      expect(await collect(files.readJsonLines(path))).toEqual(records);

      await files.put(path, '{"a":1}\r\n\r\n{"a":2}\n');
      expect(await collect(files.readJsonLines(path))).toEqual([{ a: 1 }, { a: 2 }]);
      await files.put(path, '{"a":1}\n{not json}\n');
      await expect(collect(files.readJsonLines(path))).rejects.toThrow(/line 2 is not JSON/);
    });

    it('reads the elements of a JSON array, and refuses a file that is not one', async () => {
      const dir = fresh('json');
      const elements = [{ a: 1, s: 'x\ny' }, 2, 'three', null, [4, { five: 5 }], { unicode: '東京 🚰' }];
      await files.put(`${dir}/array.json`, JSON.stringify(elements, null, 2));
      expect(await collect(files.readJsonArray(`${dir}/array.json`))).toEqual(elements);
      await files.put(`${dir}/object.json`, '{"not":"an array"}');
      await expect(collect(files.readJsonArray(`${dir}/object.json`))).rejects.toBeInstanceOf(AgentRefusedError);
      await files.put(`${dir}/broken.json`, '[1, 2,');
      await expect(collect(files.readJsonArray(`${dir}/broken.json`))).rejects.toBeInstanceOf(AgentRefusedError);
    });

    it('reads the rows of a Parquet file, row group by row group', async () => {
      const dir = fresh('parquet');
      const rows = Array.from({ length: 2500 }, (_, index) => ({ id: index, total: BigInt(index) * 10_000_000_000n, ratio: index / 8, city: ['東京', 'Zürich', 'a, "quoted"\nvalue'][index % 3]! }));
      const columns = [
        { name: 'id', type: 'int32' },
        { name: 'total', type: 'int64' },
        { name: 'ratio', type: 'double' },
        { name: 'city', type: 'utf8' },
      ] as const;
      await files.put(`${dir}/rows.parquet`, parquetTestFile([...columns], rows, 1000));
      newTask();
      expect(await collect(files.readParquet(`${dir}/rows.parquet`))).toEqual(rows);
      expect(task.lines).toEqual([expect.objectContaining({ level: 'info', data: expect.objectContaining({ operation: 'readParquet', rows: 2500 }) })]);

      await files.put(`${dir}/gzipped.parquet`, parquetTestFile([...columns], rows.slice(0, 50), 20, 'GZIP'));
      expect(await collect(files.readParquet(`${dir}/gzipped.parquet`))).toEqual(rows.slice(0, 50));

      const firstTwo: unknown[] = [];
      for await (const row of files.readParquet(`${dir}/rows.parquet`)) if (firstTwo.push(row) === 2) break;
      expect(firstTwo).toEqual(rows.slice(0, 2));

      await files.put(`${dir}/not.parquet`, 'id,name\n1,x\n');
      await expect(collect(files.readParquet(`${dir}/not.parquet`))).rejects.toBeInstanceOf(AgentRefusedError);
      await expect(collect(files.readParquet(`${dir}/missing.parquet`))).rejects.toMatchObject({ name: 'FileNotFoundError' });
    });

    it('stops reading when the consumer breaks out, and logs the records read', async () => {
      const path = `${fresh('early')}/many.jsonl`;
      await files.writeJsonLines(path, Array.from({ length: 1000 }, (_, index) => ({ index })));
      newTask();
      const seen: unknown[] = [];
      for await (const record of files.readJsonLines(path)) {
        seen.push(record);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }]);
      expect(task.lines).toEqual([expect.objectContaining({ level: 'info', data: expect.objectContaining({ operation: 'readJsonLines', rows: 3, path }) })]);
    });

    it('refuses every call once the task signal has fired', async () => {
      const dir = fresh('aborted');
      await files.put(`${dir}/file.txt`, 'x');
      newTask();
      task.controller.abort(new Error('task timed out'));
      await expect(files.get(`${dir}/file.txt`)).rejects.toThrow(/aborted/);
      await expect(files.put(`${dir}/other.txt`, 'y')).rejects.toBeInstanceOf(AgentError);
      await expect(files.list(dir)).rejects.toBeInstanceOf(AgentError);
      await expect(collect(files.readJsonLines(`${dir}/file.txt`))).rejects.toBeInstanceOf(AgentError);
      newTask();
      expect(await files.stat(`${dir}/other.txt`)).toBeUndefined();
    });

    it('aborts an upload in flight on the task signal, leaving no file (not even a partial one)', async () => {
      const dir = fresh('abort-put');
      newTask();
      const { controller } = task;
      async function* slowThenAbort() {
        for (let index = 0; index < 200; index++) {
          if (index === 40) controller.abort(new Error('task timed out'));
          yield bigChunk(index);
        }
      }
      await expect(files.putStream(`${dir}/partial.bin`, slowThenAbort())).rejects.toBeInstanceOf(AgentError);
      newTask();
      expect(await files.stat(`${dir}/partial.bin`)).toBeUndefined();
      expect(await files.list(dir, { recursive: true })).toEqual([]);
    });

    it('aborts a download in flight on the task signal', async () => {
      const path = `${fresh('abort-get')}/big.bin`;
      await files.putStream(path, bigFile());
      newTask();
      const stream = await files.getStream(path);
      let read = 0;
      const reading = (async () => {
        for await (const chunk of stream) {
          read += (chunk as Buffer).byteLength;
          if (read >= MiB) task.controller.abort(new Error('task timed out'));
        }
      })();
      await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
      expect(read).toBeLessThan(BIG_BYTES);
      newTask();
    });

    it('writes one log line per call: connection, operation, path, bytes — and never a credential', async () => {
      const dir = fresh('log');
      newTask();
      await files.put(`${dir}/a.txt`, 'hello');
      await files.get(`${dir}/a.txt`);
      await files.stat(`${dir}/a.txt`);
      await files.list(dir);
      await files.get(`${dir}/missing.txt`).catch(() => undefined);
      expect(task.lines.map((line) => [line.level, line.message])).toEqual([
        ['info', `${CONNECTION} put`],
        ['info', `${CONNECTION} get`],
        ['info', `${CONNECTION} stat`],
        ['info', `${CONNECTION} list`],
        ['warn', `${CONNECTION} get failed`],
      ]);
      expect(task.lines[0]!.data).toMatchObject({ connection: CONNECTION, operation: 'put', path: `${dir}/a.txt`, bytes: 5 });
      expect(task.lines[1]!.data).toMatchObject({ operation: 'get', path: `${dir}/a.txt`, bytes: 5 });
      expect(task.lines[3]!.data).toMatchObject({ operation: 'list', path: dir, items: 1 });
      const logged = JSON.stringify(task.lines);
      for (const secret of fx.secrets) expect(logged).not.toContain(secret);
    });

    it('refuses path-jail attacks with AgentRefusedError, touching nothing outside', async () => {
      const before = await fx.outside();
      newTask();
      let refusals = 0;
      for (const attack of PATH_ATTACKS) {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['get', () => files.get(attack)],
          ['getText', () => files.getText(attack)],
          ['getStream', () => files.getStream(attack)],
          ['put', () => files.put(attack, 'pwned')],
          ['putStream', () => files.putStream(attack, bigFile())],
          ['stat', () => files.stat(attack)],
          ['delete', () => files.delete(attack)],
          ['move from', () => files.move(attack, 'jail-target.txt')],
          ['move to', () => files.move('jail-source.txt', attack)],
          ['writeCsv', () => files.writeCsv(attack, [{ a: 1 }])],
          ['writeJsonLines', () => files.writeJsonLines(attack, [1])],
          ['readCsv', () => collect(files.readCsv(attack))],
          ['readJsonLines', () => collect(files.readJsonLines(attack))],
          ['readJsonArray', () => collect(files.readJsonArray(attack))],
          ['readParquet', () => collect(files.readParquet(attack))],
        ];
        if (attack !== '') calls.push(['list', () => files.list(attack, { recursive: true })]);
        for (const [operation, call] of calls) {
          const outcome = await call().then(
            () => 'resolved',
            (error: unknown) => error,
          );
          expect(outcome, `${operation} ${JSON.stringify(attack)}`).toBeInstanceOf(AgentRefusedError);
          refusals++;
        }
      }
      // Each refusal is one warn line, like any failed call.
      expect(task.lines).toHaveLength(refusals);
      expect(task.lines.every((line) => line.level === 'warn' && /refused/.test(String((line.data as { error?: unknown }).error)))).toBe(true);
      expect(await fx.outside()).toEqual(before);
      expect(await files.stat('jail-target.txt')).toBeUndefined();
    });
  });
}
