/**
 * Async throughput benchmark: N tasks submitted through the platform API
 * (`POST /sluice/tasks`) and N messages fed to a streaming queue
 * (`POST /sluice/queues/<queue>/messages`), each run on a fresh embedded
 * runtime; measured from the first request until every task is finished,
 * plus the runtime process's peak RSS.
 */
import { performance } from 'node:perf_hooks';
import type { BenchContext, BenchModule, BenchResult, SummaryRow } from './lib/BenchModule.js';
import { backgroundCpu } from './lib/backgroundCpu.js';
import { HttpClient } from './lib/HttpClient.js';
import { countTasks, POLL_MS, SUBMIT_CONCURRENCY, submitAll, waitForEmptyQueues, type QueueInfo } from './lib/platformTasks.js';
import { markdownTable, textTable } from './lib/markdownTable.js';
import { processDiskWrites, processMemory } from './lib/processMemory.js';
import { mainThreadProfile, startEmbeddedRuntime, type EmbeddedServer } from './lib/startEmbeddedRuntime.js';
import { formatBytes, formatMb, formatNumber, formatPercent, median } from './lib/stats.js';
import { cpuProfileMarkdown, summarizeCpuProfile } from './lib/summarizeCpuProfile.js';

const CONFIG = 'bench/fixtures/trivial/serverless.yml';
/** Requests in flight while submitting (keep-alive sockets). */
/** Tasks run (and waited for) before the measured ones, on the same runtime. */
const WARMUP_TASKS = 1_000;
/** How often the queue depth is read once everything is submitted. */
/** Issue targets. */
const TARGET_TASKS_PER_SEC = 2_000;
const TARGET_PEAK_RSS = 250 * 1024 * 1024;

interface Scenario {
  key: string;
  label: string;
  /** The process whose tasks are counted. */
  process: string;
  /** The queue that carries them (`${service}-${stage}-${function}` for a task queue). */
  queue: string;
  durability: 'normal' | 'full';
  /** Counts against the targets (the others are for information). */
  targeted: boolean;
  request(i: number): { path: string; body: string };
}

const SCENARIOS: readonly Scenario[] = [
  {
    key: 'tasks',
    label: 'async tasks: POST /sluice/tasks',
    process: 'trivial',
    queue: 'bench-bench-trivial',
    durability: 'normal',
    targeted: true,
    request: (i) => ({ path: '/sluice/tasks', body: JSON.stringify({ process: 'trivial', payload: { n: i } }) }),
  },
  {
    key: 'queue',
    label: 'streaming queue: POST /sluice/queues/bench-stream/messages',
    process: 'stream',
    queue: 'bench-stream',
    durability: 'normal',
    targeted: true,
    request: (i) => ({ path: '/sluice/queues/bench-stream/messages', body: JSON.stringify({ n: i }) }),
  },
  {
    key: 'tasks-full',
    label: 'async tasks, --durability full (for information)',
    process: 'trivial',
    queue: 'bench-bench-trivial',
    durability: 'full',
    targeted: false,
    request: (i) => ({ path: '/sluice/tasks', body: JSON.stringify({ process: 'trivial', payload: { n: i } }) }),
  },
];

interface RunResult {
  /** Requests accepted per second while submitting. */
  acceptedPerSec: number;
  /** Tasks finished per second, first request to last task done. */
  tasksPerSec: number;
  elapsedMs: number;
  succeeded: number;
  failed: number;
  rejected: number;
  idleRss: number;
  peakRss: number;
  /** Bytes the runtime wrote to storage per task (SQLite WAL and checkpoints), measured part only. */
  diskBytesPerTask: number;
}


async function runOnce(ctx: BenchContext, scenario: Scenario, label: string): Promise<{ result: RunResult; profile?: { dir: string; skipFirstMs: number } }> {
  const n = ctx.options.tasks;
  const warmup = Math.min(WARMUP_TASKS, n);
  const runtime: EmbeddedServer = await startEmbeddedRuntime(ctx, { label: `async-${scenario.key}`, config: CONFIG, durability: scenario.durability });
  const client = new HttpClient(runtime.url, { authorization: `Bearer ${runtime.apiToken}` }, SUBMIT_CONCURRENCY);
  try {
    const queues = await client.json<{ items: QueueInfo[] }>('GET', '/sluice/queues');
    if (!queues.items.some((q) => q.name === scenario.queue)) throw new Error(`the runtime has no queue '${scenario.queue}' (has ${queues.items.map((q) => q.name).join(', ')})`);
    const idleRss = processMemory(runtime.child.pid)?.rss ?? NaN;

    // Warm-up (JIT, SQLite page cache): the same path, not measured.
    const warmupStarted = performance.now();
    const warm = await submitAll(client, scenario.request, 0, warmup);
    await waitForEmptyQueues(ctx, client, [scenario.queue], `${label} warm-up`, Math.max(120_000, ctx.options.tasks * 20));
    if (warm.rejected > 0) throw new Error(`${warm.rejected} warm-up request(s) rejected, first: ${warm.firstRejection}`);
    const measuredFromMs = runtime.startupMs + (performance.now() - warmupStarted);

    const writtenBefore = processDiskWrites(runtime.child.pid);
    const started = performance.now();
    const { rejected, firstRejection } = await submitAll(client, scenario.request, warmup, n);
    const submitted = performance.now();
    ctx.log(`  ${label}: ${formatNumber(n)} submitted in ${((submitted - started) / 1000).toFixed(2)} s${rejected ? `, ${rejected} REJECTED (first: ${firstRejection})` : ''}; waiting for the queue to drain`);
    await waitForEmptyQueues(ctx, client, [scenario.queue], label, Math.max(120_000, ctx.options.tasks * 20));
    const done = performance.now();
    const memory = processMemory(runtime.child.pid);
    const writtenAfter = processDiskWrites(runtime.child.pid);

    const succeeded = (await countTasks(client, scenario.process, 'succeeded')) - warmup;
    const failed = await countTasks(client, scenario.process, 'failed');
    const result: RunResult = {
      acceptedPerSec: (n - rejected) / ((submitted - started) / 1000),
      tasksPerSec: succeeded / ((done - started) / 1000),
      elapsedMs: done - started,
      succeeded,
      failed,
      rejected,
      idleRss,
      peakRss: memory?.peakRss ?? NaN,
      diskBytesPerTask: writtenBefore !== undefined && writtenAfter !== undefined ? (writtenAfter - writtenBefore) / n : NaN,
    };
    ctx.log(
      `  ${label}: ${formatNumber(succeeded)} succeeded, ${failed} failed in ${(result.elapsedMs / 1000).toFixed(2)} s = ${formatNumber(result.tasksPerSec)} tasks/s; peak RSS ${formatMb(result.peakRss)}`,
    );
    return { result, ...(runtime.profileDir ? { profile: { dir: runtime.profileDir, skipFirstMs: measuredFromMs } } : {}) };
  } finally {
    client.close();
    await runtime.stop();
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const { rounds, tasks } = ctx.options;
  const results = new Map<string, RunResult[]>(SCENARIOS.map((s) => [s.key, []]));
  const profiles = new Map<string, { file: string; skipFirstMs: number }>();
  /** Other work on the machine, measured for 1 s before each run (nothing of ours running). */
  const background: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const scenario of SCENARIOS) {
      const other = await backgroundCpu(1_000);
      if (other !== undefined) background.push(other);
      const { result, profile } = await runOnce(ctx, scenario, `round ${round + 1}/${rounds} ${scenario.key}`);
      results.get(scenario.key)!.push(result);
      const file = profile ? mainThreadProfile(profile.dir) : undefined;
      if (file && !profiles.has(scenario.key)) profiles.set(scenario.key, { file, skipFirstMs: profile!.skipFirstMs });
    }
  }

  const header = ['scenario', 'tasks/s end to end (median)', 'per round', 'accepted req/s while submitting', 'succeeded / failed / rejected', 'peak RSS (max)', 'idle RSS', 'disk writes per task'];
  const align = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;
  const rows = SCENARIOS.map((s) => {
    const list = results.get(s.key)!;
    const sum = (f: (r: RunResult) => number) => list.reduce((acc, r) => acc + f(r), 0);
    return [
      s.label,
      formatNumber(median(list.map((r) => r.tasksPerSec))),
      list.map((r) => formatNumber(r.tasksPerSec)).join(' / '),
      formatNumber(median(list.map((r) => r.acceptedPerSec))),
      `${formatNumber(sum((r) => r.succeeded))} / ${sum((r) => r.failed)} / ${sum((r) => r.rejected)}`,
      formatMb(Math.max(...list.map((r) => r.peakRss))),
      formatMb(median(list.map((r) => r.idleRss))),
      formatBytes(median(list.map((r) => r.diskBytesPerTask))),
    ];
  });
  ctx.log(`\n${textTable(header, rows, [...align])}\n`);

  const summary: SummaryRow[] = [];
  const lines: string[] = [];
  for (const s of SCENARIOS.filter((x) => x.targeted)) {
    const list = results.get(s.key)!;
    const rate = median(list.map((r) => r.tasksPerSec));
    const peak = Math.max(...list.map((r) => r.peakRss));
    const complete = list.every((r) => r.succeeded === tasks && r.failed === 0 && r.rejected === 0);
    summary.push(
      { benchmark: `async ${s.key}`, metric: 'tasks/s end to end', value: formatNumber(rate), target: `>= ${formatNumber(TARGET_TASKS_PER_SEC)}`, met: rate >= TARGET_TASKS_PER_SEC && complete },
      { benchmark: `async ${s.key}`, metric: 'runtime peak RSS', value: formatMb(peak), target: `<= ${formatMb(TARGET_PEAK_RSS)}`, met: peak <= TARGET_PEAK_RSS },
    );
    lines.push(
      `- ${s.label}: **${formatNumber(rate)} tasks/s** (target >= ${formatNumber(TARGET_TASKS_PER_SEC)}: ${rate >= TARGET_TASKS_PER_SEC ? '**met**' : '**missed**'}), peak RSS **${formatMb(peak)}** (target <= ${formatMb(TARGET_PEAK_RSS)}: ${peak <= TARGET_PEAK_RSS ? '**met**' : '**missed**'})${complete ? '' : '; **not every task succeeded**, see the table'}.`,
    );
  }
  const markdown = [
    `${formatNumber(tasks)} tasks per run, submitted over ${SUBMIT_CONCURRENCY} keep-alive connections; each run on a fresh embedded runtime (new data dir, default settings: SQLite file, trackRunning on, durability \`normal\` = WAL, survives a crash of the process, unless the row says otherwise), warmed up with ${formatNumber(WARMUP_TASKS)} tasks through the same path first. The clock runs from the first request until the queue is empty (a message is deleted only after its task's final record is stored), read every ${POLL_MS} ms; succeeded tasks are then counted through \`GET /sluice/tasks\`. ${rounds} interleaved rounds, medians; peak RSS is the runtime process's VmHWM, the maximum over rounds.${background.length ? ` Machine CPU in use during a 1 s pause before each run (nothing of the benchmark running): at most ${formatPercent(Math.max(...background))} (median ${formatPercent(median(background))}).` : ''}`,
    '',
    markdownTable(header, rows, [...align]),
    '',
    ...lines,
    ...[...profiles].flatMap(([key, p]) => [
      '',
      `#### Where the runtime spends its time: ${key} (\`--cpu-prof\`, first round, measured part only; numbers above are under the profiler)`,
      '',
      cpuProfileMarkdown(summarizeCpuProfile(p.file, ctx.repoRoot, { skipFirstMs: p.skipFirstMs }), ctx.repoRoot),
    ]),
  ].join('\n');
  return { markdown, summary };
}

export const asyncBenchmark: BenchModule = {
  name: 'async',
  title: 'Async tasks and streaming queue: end-to-end throughput and memory',
  run,
};
