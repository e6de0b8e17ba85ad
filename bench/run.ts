/**
 * `npm run bench`: runs the benchmarks, prints a summary, rewrites the
 * results section of BENCHMARKS.md.
 *
 *   npm run bench [-- --only sync,async] [--rounds 3] [--duration 10] [--warmup 3]
 *                 [--tasks 10000] [--rows 300000] [--quick] [--cpu-prof] [--no-write]
 *
 * Every server under test runs in its own child process on a free port of
 * 127.0.0.1; children are stopped and temp data dirs removed on every way
 * out (Ctrl-C included).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { asyncBenchmark } from './async.js';
import { awsBenchmark } from './aws.js';
import { dashboardBenchmark } from './dashboard.js';
import { eventsBenchmark } from './events.js';
import { backgroundCpu } from './lib/backgroundCpu.js';
import type { BenchContext, BenchModule, BenchOptions, SummaryRow } from './lib/BenchModule.js';
import { updateBenchmarksFile, type GeneratedSection } from './lib/benchmarksFile.js';
import { ChildProcesses } from './lib/ChildProcesses.js';
import { describeMachine, machineInfo, type MachineInfo } from './lib/machineInfo.js';
import { markdownTable, textTable } from './lib/markdownTable.js';
import { TempDirs } from './lib/TempDirs.js';
import { loadBenchmark } from './load.js';
import { syncBenchmark } from './sync.js';
import { triggersBenchmark } from './triggers.js';

/** The benchmarks, in run order. Adding one is one line here (and its module). */
const BENCHMARKS: readonly BenchModule[] = [syncBenchmark, asyncBenchmark, awsBenchmark, loadBenchmark, eventsBenchmark, triggersBenchmark, dashboardBenchmark];

const USAGE = `usage: npm run bench [-- options]
  --only <names>   run only these benchmarks (comma-separated or repeated): ${BENCHMARKS.map((b) => b.name).join(', ')}
  --rounds N       measured rounds per variant, median reported (default 3)
  --duration S     seconds per sync measurement (default 10)
  --warmup S       seconds of warm-up per sync server (default 3)
  --tasks N        tasks / messages per async run (default 10000)
  --rows N         rows of the bulk load's smaller input; the larger has 10x, at most 3,000,000 (default 300000)
  --quick          a smoke run: 1 round, 3 s, 1 s warm-up, 2000 tasks, 30000 rows (BENCHMARKS.md not written)
  --cpu-prof       profile the runtime under test (node --cpu-prof into bench/.profiles) and print
                   where its time goes (BENCHMARKS.md not written: profiled numbers are slower)
  --no-write       do not rewrite BENCHMARKS.md`;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const children = new ChildProcesses();
const tempDirs = new TempDirs();

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function positiveInteger(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

function parseOptions(argv: string[]): { options: BenchOptions; selected: BenchModule[]; write: boolean } | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      tasks: { type: 'string' },
      rows: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    log(USAGE);
    return undefined;
  }
  const names = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : [...BENCHMARKS];
  const quick = values.quick;
  const options: BenchOptions = {
    rounds: positiveInteger(values.rounds, quick ? 1 : 3, '--rounds'),
    durationSeconds: positiveInteger(values.duration, quick ? 3 : 10, '--duration'),
    warmupSeconds: positiveInteger(values.warmup, quick ? 1 : 3, '--warmup'),
    tasks: positiveInteger(values.tasks, quick ? 2_000 : 10_000, '--tasks'),
    rows: positiveInteger(values.rows, quick ? 30_000 : 300_000, '--rows'),
    quick,
    cpuProf: values['cpu-prof'],
    profileDir: join(repoRoot, 'bench', '.profiles'),
  };
  return { options, selected, write: !values['no-write'] && !quick && !options.cpuProf };
}

/** The command as the user would type it again. */
function commandLine(argv: string[]): string {
  const args = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return args ? `npm run bench -- ${args}` : 'npm run bench';
  return `node --import tsx bench/run.ts${args ? ` ${args}` : ''}`;
}

function sectionMarkdown(
  module: BenchModule,
  body: string,
  summary: SummaryRow[],
  run: { command: string; machine: MachineInfo; startedAt: Date; background: number | undefined },
): string {
  const { command, machine, startedAt } = run;
  const targets = summary.filter((s) => s.target !== undefined);
  const tools = Object.entries(machine.tools)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `### ${module.title}`,
    '',
    `Last run ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\` on ${describeMachine(machine)}; ${tools}.${run.background === undefined ? '' : ` Machine CPU in use just before this benchmark (other work): ${(run.background * 100).toFixed(0)}%.`}`,
    '',
    ...(targets.length > 0
      ? [markdownTable(['benchmark', 'metric', 'result', 'target', 'met'], targets.map((t) => [t.benchmark, t.metric, t.value, t.target!, t.met ? 'yes' : '**no**']), ['l', 'l', 'r', 'r', 'l']), '']
      : []),
    body,
  ].join('\n');
}

let cleaningUp: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    await children.stopAll();
    tempDirs.removeAll();
  })();
  return cleaningUp;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const parsed = parseOptions(argv);
  if (!parsed) return 0;
  const { options, selected, write } = parsed;
  if (options.cpuProf) mkdirSync(options.profileDir, { recursive: true });
  const stale = TempDirs.removeStale();
  const machine = machineInfo(repoRoot);
  const command = commandLine(argv);
  const startedAt = new Date();
  log(`Sluice benchmarks: ${selected.map((b) => b.name).join(', ')} (${command})`);
  log(`${describeMachine(machine)}`);
  if (stale > 0) log(`removed ${stale} temp dir(s) left by an earlier run that was killed`);
  log(`rounds ${options.rounds}, ${options.durationSeconds} s per sync measurement, ${options.warmupSeconds} s warm-up, ${options.tasks} tasks per async run${options.cpuProf ? ', CPU profiling on' : ''}\n`);

  const ctx: BenchContext = { repoRoot, options, machine, children, tempDirs, log };
  const summary: SummaryRow[] = [];
  const sections: GeneratedSection[] = [];
  let failures = 0;
  for (const module of selected) {
    const began = Date.now();
    log(`== ${module.name}: ${module.title}`);
    const background = await backgroundCpu();
    if (background !== undefined) {
      log(`   other work on the machine: ${(background * 100).toFixed(0)}% of its CPU${background > 0.15 ? ' (WARNING: busy machine, expect slower and noisier numbers)' : ''}`);
    }
    try {
      const result = await module.run(ctx);
      summary.push(...result.summary);
      sections.push({
        name: module.name,
        markdown: sectionMarkdown(module, result.markdown, result.summary, { command, machine, startedAt, background }),
      });
      if (options.cpuProf) log(`\n${result.markdown}\n`);
      log(`== ${module.name} done in ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
    } catch (error) {
      failures++;
      log(`== ${module.name} FAILED after ${((Date.now() - began) / 1000).toFixed(0)} s: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      // Whatever it started goes before the next benchmark measures anything.
      await cleanUp();
      cleaningUp = undefined;
    }
  }

  if (summary.length > 0) {
    log('Summary');
    log(
      textTable(
        ['benchmark', 'metric', 'result', 'target', 'met'],
        summary.map((s) => [s.benchmark, s.metric, s.value, s.target ?? '', s.met === undefined ? '' : s.met ? 'yes' : 'NO']),
        ['l', 'l', 'r', 'r', 'l'],
      ),
    );
  }
  if (write && sections.length > 0) {
    updateBenchmarksFile(join(repoRoot, 'BENCHMARKS.md'), sections);
    log(`\nBENCHMARKS.md: rewrote ${sections.map((s) => s.name).join(', ')}`);
  } else if (!write) {
    log('\nBENCHMARKS.md not written (--quick, --cpu-prof or --no-write)');
  }
  log(`total ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`);
  return failures > 0 ? 1 : 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      // Second Ctrl-C: no more waiting.
      children.killAllNow();
      tempDirs.removeAll();
      process.exit(130);
    }
    interrupted = true;
    log(`\n${signal}: stopping the benchmark servers (Ctrl-C again to kill them at once)`);
    void cleanUp().finally(() => process.exit(130));
  });
}
// Last resort for any other way out (an uncaught error, process.exit elsewhere).
process.on('exit', () => {
  children.killAllNow();
  tempDirs.removeAll();
});

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    log(`bench: ${error instanceof Error ? error.message : String(error)}`);
    await cleanUp();
    process.exit(1);
  });
