/**
 * Bulk-load benchmark (issue 8, "Performance"): US flights from
 * vega-datasets' flights-3m.parquet, written once as CSV files of N and 10N
 * rows (not measured), loaded into the real PostgreSQL three ways in the same
 * run, in interleaved rounds:
 * - Sluice: a data process on the embedded runtime, triggered by an async
 *   task, `ctx.files('landing').readCsv(path)` handed to
 *   `ctx.db('warehouse').load(table, rows, { mode: 'append' })`;
 * - the plain driver: a Node script with pg + pg-copy-streams piping the file
 *   into `COPY ... FROM STDIN (FORMAT csv)` (bench/servers/pgCopyFile.mjs);
 * - `psql \copy`.
 * Reported: rows/s, the Sluice / plain-driver ratio, peak RSS at N and 10N.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { BenchContext, BenchModule, BenchResult, SummaryRow } from './lib/BenchModule.js';
import { backgroundCpu } from './lib/backgroundCpu.js';
import { FLIGHTS_PARQUET, FLIGHTS_TABLE_DDL, writeFlightsCsv, type FlightsCsvFile } from './lib/flightsCsv.js';
import { HttpClient } from './lib/HttpClient.js';
import { markdownTable, textTable } from './lib/markdownTable.js';
import { processMemory } from './lib/processMemory.js';
import { startEmbeddedRuntime } from './lib/startEmbeddedRuntime.js';
import { formatMb, formatNumber, formatPercent, formatRatio, median } from './lib/stats.js';
import { cpuProfileMarkdown, summarizeCpuProfile } from './lib/summarizeCpuProfile.js';

const CONFIG = 'bench/fixtures/load/serverless.yml';
/** The real PostgreSQL of these machines (trust authentication); override with SLUICE_BENCH_PG_URL. */
const PG_URL = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TABLE = 'flights_bench';
/** flights-3m.parquet has no more. */
const MAX_ROWS = 3_000_000;
/** Rows the Sluice runtime loads first (worker thread, process module, pool, JIT), not measured. */
const WARMUP_ROWS = 1_000;
/** How often the task is polled; the end-to-end time is rounded up to it (and the poll's latency). */
const POLL_MS = 20;
/** No run may take longer (the process timeout is 900 s). */
const RUN_TIMEOUT_MS = 900_000;
/** Issue targets. */
const TARGET_RATIO = 0.5;
const TARGET_RSS_GROWTH = 1.2;

type VariantKey = 'sluice' | 'plain' | 'psql';

interface Measurement {
  /** Rows the load reported (and the table was checked to hold). */
  rows: number;
  /** Wall time of the load, ms (what each variant's clock covers: see {@link VARIANTS}). */
  ms: number;
  /** Peak RSS of the process that loaded, bytes; NaN when unknown. */
  peakRss: number;
  /** Sluice: the runtime's RSS after its warm-up, before the measured load. */
  idleRss?: number;
  /** Sluice: the `readCsv` + `load` calls timed inside the task. */
  innerMs?: number;
}

interface Variant {
  key: VariantKey;
  label: string;
  run(ctx: BenchContext, input: PreparedInput, file: FlightsCsvFile, label: string): Promise<{ measurement: Measurement; profileDir?: string }>;
}

interface PreparedInput {
  dir: string;
  warmup: FlightsCsvFile;
  /** Whether `/usr/bin/time` can report psql's peak RSS. */
  gnuTime: boolean;
}

const VARIANTS: readonly Variant[] = [
  { key: 'sluice', label: 'Sluice: embedded runtime, async task, `readCsv` → `load` (append)', run: runSluice },
  { key: 'plain', label: 'plain Node script: pg + pg-copy-streams, `COPY ... FROM STDIN (FORMAT csv)` fed the file', run: runPlain },
  { key: 'psql', label: "`psql -c \"\\copy ... FROM '<file>' (FORMAT csv)\"`", run: runPsql },
];

async function withDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** An empty table and a checkpoint, so that no variant pays for the previous one's dirty pages. */
async function emptyTable(): Promise<void> {
  await withDatabase(async (client) => {
    await client.query(`TRUNCATE ${TABLE}`);
    await client.query('CHECKPOINT');
  });
}

/** Checks that the table holds exactly the file's rows (count and two sums). */
async function checkTable(file: FlightsCsvFile, label: string): Promise<void> {
  const { rows } = await withDatabase((client) =>
    client.query<{ n: string; delay: string | null; distance: string | null }>(`SELECT count(*)::text AS n, sum(delay)::text AS delay, sum(distance)::text AS distance FROM ${TABLE}`),
  );
  const got = rows[0]!;
  const expected = { n: String(file.rows), delay: file.sumDelay.toString(), distance: file.sumDistance.toString() };
  if (got.n !== expected.n || got.delay !== expected.delay || got.distance !== expected.distance) {
    throw new Error(`${label}: the table holds ${got.n} rows (sum of delay ${got.delay}, of distance ${got.distance}), expected ${expected.n} (${expected.delay}, ${expected.distance})`);
  }
}

interface TaskRecordView {
  status: string;
  result?: { rowCount: number; ms: number };
  error?: { name: string; message: string };
}

async function runTask(client: HttpClient, payload: { path: string; table: string }, label: string): Promise<{ record: TaskRecordView; ms: number }> {
  const started = performance.now();
  const answer = await client.send('POST', '/sluice/tasks', JSON.stringify({ process: 'load', payload }), { 'content-type': 'application/json' });
  if (answer.status !== 202) throw new Error(`${label}: POST /sluice/tasks answered ${answer.status}: ${answer.body.slice(0, 500)}`);
  const { taskId } = JSON.parse(answer.body) as { taskId: string };
  for (;;) {
    const record = await client.json<TaskRecordView>('GET', `/sluice/tasks/${taskId}`);
    const ms = performance.now() - started;
    if (record.status === 'succeeded') return { record, ms };
    if (record.status === 'failed' || record.status === 'timed_out') {
      throw new Error(`${label}: task ${taskId} ${record.status}: ${record.error ? `${record.error.name}: ${record.error.message}` : JSON.stringify(record).slice(0, 500)}`);
    }
    if (ms > RUN_TIMEOUT_MS) throw new Error(`${label}: task ${taskId} still ${record.status} after ${(ms / 1000).toFixed(0)} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * A fresh embedded runtime (its own process), warmed up with a small load,
 * then the measured task: from the POST until a poll sees it succeeded.
 * Peak RSS is the runtime process's VmHWM (worker threads included).
 */
async function runSluice(ctx: BenchContext, input: PreparedInput, file: FlightsCsvFile, label: string): Promise<{ measurement: Measurement; profileDir?: string }> {
  const runtime = await startEmbeddedRuntime(ctx, {
    label: `load-${file.rows}`,
    config: CONFIG,
    env: { SLUICE_BENCH_PG_URL: PG_URL, SLUICE_BENCH_LANDING: input.dir },
  });
  const client = new HttpClient(runtime.url, { authorization: `Bearer ${runtime.apiToken}` }, 4);
  try {
    await runTask(client, { path: input.warmup.name, table: TABLE }, `${label} warm-up`);
    await emptyTable();
    const idleRss = processMemory(runtime.child.pid)?.rss ?? NaN;
    const { record, ms } = await runTask(client, { path: file.name, table: TABLE }, label);
    const peakRss = processMemory(runtime.child.pid)?.peakRss ?? NaN;
    if (record.result?.rowCount !== file.rows) throw new Error(`${label}: the task loaded ${record.result?.rowCount} rows, expected ${file.rows}`);
    return { measurement: { rows: file.rows, ms, peakRss, idleRss, innerMs: record.result.ms }, ...(runtime.profileDir ? { profileDir: runtime.profileDir } : {}) };
  } finally {
    client.close();
    await runtime.stop();
  }
}

/** bench/servers/pgCopyFile.mjs in its own process; it times itself from before connecting until COPY has finished. */
async function runPlain(ctx: BenchContext, _input: PreparedInput, file: FlightsCsvFile, label: string): Promise<{ measurement: Measurement }> {
  const child = ctx.children.start({ name: `plain pg COPY script (${label})`, cwd: ctx.repoRoot, nodeArgs: ['bench/servers/pgCopyFile.mjs', PG_URL, TABLE, file.path] });
  const match = await child.waitForOutput(/^RESULT (.+)$/m, RUN_TIMEOUT_MS);
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`${child.name} exited with code ${exit.code} signal ${exit.signal}:\n${child.outputTail()}`);
  const result = JSON.parse(match[1]!) as { rows: number; ms: number; peakRss: number };
  if (result.rows !== file.rows) throw new Error(`${label}: COPY reported ${result.rows} rows, expected ${file.rows}`);
  return { measurement: { rows: result.rows, ms: result.ms, peakRss: result.peakRss } };
}

/** psql's own client-side `\copy`, timed from spawn to exit (its start and connection included: a few ms). */
async function runPsql(_ctx: BenchContext, input: PreparedInput, file: FlightsCsvFile, label: string): Promise<{ measurement: Measurement }> {
  // psql's \copy takes the rest of the line as its arguments: a quote in the path would end the file name.
  if (file.path.includes("'")) throw new Error(`${label}: a quote in the input path ${file.path}`);
  const psqlArgs = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', PG_URL, '-c', `\\copy ${TABLE} FROM '${file.path}' WITH (FORMAT csv, HEADER true)`];
  const [command, args] = input.gnuTime ? ['/usr/bin/time', ['-f', 'PEAK_KB %M', 'psql', ...psqlArgs]] : ['psql', psqlArgs];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout: out, stderr: err });
    });
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${label}: psql exited with code ${code}:\n${stdout}${stderr}`);
  const peakKb = Number(/^PEAK_KB (\d+)$/m.exec(stderr)?.[1] ?? NaN);
  return { measurement: { rows: file.rows, ms, peakRss: peakKb * 1024 } };
}

/** `pg 8.23.1, ...`: the installed versions of the packages the loads go through. */
function packageVersions(repoRoot: string, names: readonly string[]): string {
  return names
    .map((name) => {
      try {
        return `${name} ${(JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`;
      } catch {
        return `${name} (version unknown)`;
      }
    })
    .join(', ');
}

/** The worker threads' profiles of a `--cpu-prof` run (the task runs in one of them), largest first. */
function workerProfiles(profileDir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(profileDir);
  } catch {
    return [];
  }
  return files.filter((f) => /^CPU\.\d+\.\d+\.\d+\.[1-9]\d*\.\d+\.cpuprofile$/.test(f)).map((f) => join(profileDir, f));
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const { rounds } = ctx.options;
  const small = Math.min(ctx.options.rows, MAX_ROWS / 10);
  const sizes = [small, small * 10];

  // Input, written once: not measured.
  const dir = ctx.tempDirs.create('load-input');
  const preparing = performance.now();
  const [warmup, ...files] = await writeFlightsCsv(ctx.repoRoot, dir, [WARMUP_ROWS, ...sizes]);
  const input: PreparedInput = { dir, warmup: warmup!, gnuTime: existsSync('/usr/bin/time') };
  ctx.log(`  input: ${files.map((f) => `${f.name} (${formatMb(f.bytes)})`).join(', ')} from ${FLIGHTS_PARQUET}, written in ${((performance.now() - preparing) / 1000).toFixed(1)} s`);
  const server = await withDatabase(async (client) => {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} ${FLIGHTS_TABLE_DDL}`);
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  });

  const results = new Map<string, Measurement[]>();
  const key = (variant: VariantKey, rows: number) => `${variant}:${rows}`;
  /** Sluice rows/s over plain-driver rows/s, per size, per round. */
  const ratios = new Map<number, number[]>(sizes.map((n) => [n, []]));
  const background: number[] = [];
  const profiles: Array<{ rows: number; files: string[] }> = [];
  try {
    for (const file of files) {
      for (let round = 0; round < rounds; round++) {
        const perRound = new Map<VariantKey, Measurement>();
        // The order rotates every round: no variant always runs first (cold page cache) or last.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        for (const variant of order) {
          const label = `${formatNumber(file.rows)} rows, round ${round + 1}/${rounds}, ${variant.key}`;
          await emptyTable();
          const other = await backgroundCpu(1_000);
          if (other !== undefined) background.push(other);
          const { measurement, profileDir } = await variant.run(ctx, input, file, label);
          await checkTable(file, label);
          perRound.set(variant.key, measurement);
          const list = results.get(key(variant.key, file.rows)) ?? [];
          list.push(measurement);
          results.set(key(variant.key, file.rows), list);
          if (profileDir && round === 0) profiles.push({ rows: file.rows, files: workerProfiles(profileDir) });
          ctx.log(
            `  ${label}: ${(measurement.ms / 1000).toFixed(2)} s = ${formatNumber(measurement.rows / (measurement.ms / 1000))} rows/s${Number.isFinite(measurement.peakRss) ? `; peak RSS ${formatMb(measurement.peakRss)}` : ''}${measurement.innerMs !== undefined ? `; inside the task ${(measurement.innerMs / 1000).toFixed(2)} s` : ''}`,
          );
        }
        const sluice = perRound.get('sluice')!;
        const plain = perRound.get('plain')!;
        ratios.get(file.rows)!.push(plain.ms / sluice.ms);
      }
    }
  } finally {
    await withDatabase((client) => client.query(`DROP TABLE IF EXISTS ${TABLE}`)).catch(() => {});
  }

  const rate = (m: Measurement) => m.rows / (m.ms / 1000);
  const header = ['input', 'variant', 'rows/s (median)', 'per round', 'vs plain driver (median of rounds)', 'peak RSS (max)', 'RSS before the load'];
  const align = ['r', 'l', 'r', 'r', 'r', 'r', 'r'] as const;
  const rows: string[][] = [];
  for (const file of files) {
    for (const variant of VARIANTS) {
      const list = results.get(key(variant.key, file.rows))!;
      const plainList = results.get(key('plain', file.rows))!;
      const vsPlain = list.map((m, i) => plainList[i]!.ms / m.ms);
      const peak = Math.max(...list.map((m) => m.peakRss));
      const idle = list.map((m) => m.idleRss).filter((v): v is number => v !== undefined);
      rows.push([
        `${formatNumber(file.rows)} rows (${formatMb(file.bytes)})`,
        variant.label,
        formatNumber(median(list.map(rate))),
        list.map((m) => formatNumber(rate(m))).join(' / '),
        variant.key === 'plain' ? '1x' : formatPercent(median(vsPlain)),
        Number.isFinite(peak) ? formatMb(peak) : 'n/a',
        idle.length > 0 ? formatMb(median(idle)) : '',
      ]);
    }
  }
  ctx.log(`\n${textTable(header, rows, [...align])}\n`);

  const summary: SummaryRow[] = [];
  const lines: string[] = [];
  for (const file of files) {
    const ratio = median(ratios.get(file.rows)!);
    summary.push({ benchmark: `load ${formatNumber(file.rows)} rows`, metric: 'Sluice rows/s / plain driver rows/s', value: formatPercent(ratio), target: `>= ${formatPercent(TARGET_RATIO)}`, met: ratio >= TARGET_RATIO });
    lines.push(
      `- ${formatNumber(file.rows)} rows: Sluice loads at **${formatPercent(ratio)}** of the plain driver's rate (per round ${ratios.get(file.rows)!.map(formatPercent).join(', ')}); target >= ${formatPercent(TARGET_RATIO)}: ${ratio >= TARGET_RATIO ? '**met**' : '**missed**'}.`,
    );
  }
  const peakOf = (variant: VariantKey, rows: number) => Math.max(...results.get(key(variant, rows))!.map((m) => m.peakRss));
  const growth = peakOf('sluice', sizes[1]!) / peakOf('sluice', sizes[0]!);
  const plainGrowth = peakOf('plain', sizes[1]!) / peakOf('plain', sizes[0]!);
  summary.push({
    benchmark: 'load',
    metric: `Sluice runtime peak RSS, ${formatNumber(sizes[1]!)} / ${formatNumber(sizes[0]!)} rows`,
    value: `${formatRatio(growth)} (${formatMb(peakOf('sluice', sizes[0]!))} → ${formatMb(peakOf('sluice', sizes[1]!))})`,
    target: `<= ${formatRatio(TARGET_RSS_GROWTH)}`,
    met: growth <= TARGET_RSS_GROWTH,
  });
  lines.push(
    `- Peak RSS of the Sluice runtime: ${formatMb(peakOf('sluice', sizes[0]!))} at ${formatNumber(sizes[0]!)} rows, ${formatMb(peakOf('sluice', sizes[1]!))} at ${formatNumber(sizes[1]!)}: **${formatRatio(growth)}** for 10x the rows; target <= ${formatRatio(TARGET_RSS_GROWTH)} (flat within 20%): ${growth <= TARGET_RSS_GROWTH ? '**met**' : '**missed**'}. The plain script: ${formatRatio(plainGrowth)}.`,
  );
  const inner = files.map((f) => {
    const list = results.get(key('sluice', f.rows))!;
    return `${formatNumber(f.rows)} rows: ${formatNumber(median(list.map((m) => m.rows / (m.innerMs! / 1000))))} rows/s`;
  });
  lines.push(`- Inside the Sluice task (the \`readCsv\` + \`load\` calls alone, timed by the process): ${inner.join(', ')}; the rest of the end-to-end time is the task's submission, dispatch to a worker thread, its records and the ${POLL_MS} ms polling.`);

  const markdown = [
    `Input: the first ${formatNumber(sizes[0]!)} and ${formatNumber(sizes[1]!)} US flights of \`${FLIGHTS_PARQUET}\` (date, delay, distance, origin, destination), written once as CSV files with a header row (not measured), loaded into a PostgreSQL table \`${TABLE} ${FLIGHTS_TABLE_DDL}\` on 127.0.0.1 (PostgreSQL ${server}; ${packageVersions(ctx.repoRoot, ['pg', 'pg-copy-streams', 'csv-parse', 'hyparquet'])}; no index; \`TRUNCATE\` and \`CHECKPOINT\` before every load; after every load the table is checked to hold exactly the file's rows: count and the sums of two columns). ${rounds} interleaved rounds per size (the order rotates every round), medians; the ratio to the plain driver is taken per round. Clocks: **Sluice** from \`POST /sluice/tasks\` until a poll (every ${POLL_MS} ms) sees the task succeeded, on a fresh runtime (own process, default settings) already warmed up by a ${formatNumber(WARMUP_ROWS)}-row load of the same process; **plain driver** inside the script, from before connecting until COPY has finished (Node's start excluded); **psql** from spawn to exit. Peak RSS is VmHWM of the loading process (the runtime's includes its worker threads and everything since it started${input.gnuTime ? "; psql's from `/usr/bin/time`" : ''}).${background.length ? ` Machine CPU in use during a 1 s pause before each load (nothing of the benchmark running): at most ${formatPercent(Math.max(...background))} (median ${formatPercent(median(background))}).` : ''}`,
    '',
    markdownTable(header, rows, [...align]),
    '',
    ...lines,
    ...profiles.flatMap((p) =>
      p.files.map((f) => summarizeCpuProfile(f, ctx.repoRoot)).filter((s) => s.busyMs > 200).flatMap((s) => [
        '',
        `#### Where a worker thread of the runtime spends its time: ${formatNumber(p.rows)} rows (\`--cpu-prof\`, first round, warm-up included; numbers above are under the profiler)`,
        '',
        cpuProfileMarkdown(s, ctx.repoRoot),
      ]),
    ),
  ].join('\n');
  return { markdown, summary };
}

export const loadBenchmark: BenchModule = {
  name: 'load',
  title: 'Bulk load: flights CSV into PostgreSQL, Sluice vs the plain driver vs psql',
  run,
};
