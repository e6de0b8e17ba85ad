/**
 * The bulk-load benchmark's plain-driver baseline (bench/load.ts): what a
 * hand-written Node script does to load a CSV file into PostgreSQL with the
 * same driver Sluice uses, by its fastest path. pg + pg-copy-streams,
 * `COPY <table> FROM STDIN WITH (FORMAT csv, HEADER true)`, the file piped
 * into it as it is read (no parsing in Node).
 *
 *   node bench/servers/pgCopyFile.mjs <postgres url> <table> <csv file>
 *
 * Prints `RESULT {"rows":..,"ms":..,"peakRss":..}`: rows as the server
 * counted them, ms from before connecting until COPY finished (Node's start
 * excluded), and this process's VmHWM in bytes.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const [url, table, file] = process.argv.slice(2);
if (!url || !table || !file) {
  process.stderr.write('usage: node pgCopyFile.mjs <postgres url> <table> <csv file>\n');
  process.exit(2);
}

const started = performance.now();
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const copy = client.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true)`));
  await pipeline(createReadStream(file), copy);
  const ms = performance.now() - started;
  const peakRss = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
  process.stdout.write(`RESULT ${JSON.stringify({ rows: copy.rowCount, ms, peakRss })}\n`);
} finally {
  await client.end();
  // The runner keeps stdin open (exitWithParent.cjs listens to it): let go, so that the script ends.
  process.stdin.destroy();
}
