import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type Compressors } from 'hyparquet';

/** The US flights of vega-datasets: 3,000,000 rows in 11 row groups, every column ZSTD-compressed. */
export const FLIGHTS_PARQUET = 'node_modules/vega-datasets/data/flights-3m.parquet';

/** The CSV header, and the columns of the table the benchmark loads into, in order. */
export const FLIGHTS_COLUMNS = ['date', 'delay', 'distance', 'origin', 'destination'] as const;
export const FLIGHTS_TABLE_DDL = '(date timestamp NOT NULL, delay integer NOT NULL, distance integer NOT NULL, origin text NOT NULL, destination text NOT NULL)';

export interface FlightsCsvFile {
  /** Absolute path. */
  path: string;
  /** File name (relative to the directory). */
  name: string;
  rows: number;
  bytes: number;
  /** Sums over the file's rows, to check that a load stored exactly these rows. */
  sumDelay: bigint;
  sumDistance: bigint;
}

interface FlightRow {
  date: Date;
  delay: bigint;
  distance: bigint;
  origin: string;
  destination: string;
}

/**
 * hyparquet decompresses Snappy itself; this file's pages are ZSTD, for which
 * Node 20 has no codec (zlib gains zstd in Node 22.15) and no pure-JS decoder
 * is installed, so each page goes through the `zstd` command (a few hundred
 * pages for the whole file; preparation is not measured).
 */
const compressors: Compressors = {
  ZSTD(input: Uint8Array, outputLength: number): Uint8Array {
    const out = execFileSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: outputLength + 1024 });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};

/** `2001-01-01 00:01:00`: the timestamps are whole minutes in UTC; a `timestamp` column reads this as is. */
function csvTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Writes the first `rows` flights of {@link FLIGHTS_PARQUET} as CSV files
 * (header row, RFC 4180, `\n`), one per requested size, each a prefix of the
 * next: `flights-<rows>.csv` in `dir`. Reads one row group (272,727 rows) at a
 * time.
 *
 * @param sizes row counts, each at most 3,000,000
 * @throws when the `zstd` command is missing (`apt-get install zstd`)
 */
export async function writeFlightsCsv(repoRoot: string, dir: string, sizes: readonly number[]): Promise<FlightsCsvFile[]> {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('preparing the bulk-load input needs the zstd command (flights-3m.parquet is ZSTD-compressed; Node 20 has no zstd codec): apt-get install zstd');
  }
  const file = await asyncBufferFromFile(join(repoRoot, FLIGHTS_PARQUET));
  const metadata = await parquetMetadataAsync(file);
  const available = Number(metadata.num_rows);
  const sorted = [...sizes].sort((a, b) => a - b);
  const largest = sorted[sorted.length - 1] ?? 0;
  if (largest > available) throw new Error(`${FLIGHTS_PARQUET} has ${available} rows, ${largest} asked`);

  const outputs = sorted.map((rows) => {
    const name = `flights-${rows}.csv`;
    const path = join(dir, name);
    const fd = openSync(path, 'w');
    const header = `${FLIGHTS_COLUMNS.join(',')}\n`;
    writeSync(fd, header);
    return { fd, file: { path, name, rows, bytes: Buffer.byteLength(header), sumDelay: 0n, sumDistance: 0n } as FlightsCsvFile };
  });
  try {
    let written = 0;
    for (const group of metadata.row_groups) {
      if (written >= largest) break;
      const end = Math.min(written + Number(group.num_rows), largest);
      const rows = (await parquetReadObjects({ file, metadata, compressors, rowStart: written, rowEnd: end })) as FlightRow[];
      // One chunk per output and row group: the lines of rows [written, end) that fall in each file.
      for (const output of outputs) {
        const upTo = Math.min(end, output.file.rows) - written;
        if (upTo <= 0) continue;
        let text = '';
        for (let i = 0; i < upTo; i++) {
          const row = rows[i]!;
          // Airport codes are three letters: nothing to quote.
          text += `${csvTimestamp(row.date)},${row.delay},${row.distance},${row.origin},${row.destination}\n`;
          output.file.sumDelay += row.delay;
          output.file.sumDistance += row.distance;
        }
        output.file.bytes += writeSync(output.fd, text);
      }
      written = end;
    }
  } finally {
    for (const output of outputs) closeSync(output.fd);
  }
  return outputs.map((o) => o.file);
}
