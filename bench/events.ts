/**
 * Data events benchmark (issue 9), two parts in one run:
 *
 * (a) Chained throughput: N tasks of `plain` (no events) against N tasks of
 *     `chained`, each emitting one data event that starts one task of
 *     `subscriber` (2N tasks in all), submitted through `POST /sluice/tasks`
 *     to a fresh embedded runtime per run (bench/fixtures/events), timed from
 *     the first request until every task of the run is finished; interleaved
 *     rounds, ratio per round, median. Plus the runtime's peak RSS.
 * (b) Lineage latency: a 100,000-event store built through the real
 *     publication path (`SqliteTaskStore.save(record, events)` of
 *     `EmbeddedStorage`, in batches), shaped like a month of many small
 *     pipelines (bench/lib/lineageGraph.ts); then depth-5 walks from random
 *     nodes, both with `walkLineage` on the store in this process and with
 *     `GET /sluice/lineage` on an embedded runtime serving that data dir:
 *     p50 / p99.
 */
import { performance } from 'node:perf_hooks';
import type { DataEvent } from '../lib/core/events/DataEvent.js';
import { walkLineage } from '../lib/core/events/walkLineage.js';
import type { LineageDirection } from '../lib/core/ports/EventStore.js';
import type { TaskRecord } from '../lib/core/task/TaskRecord.js';
import { newTaskId } from '../lib/core/task/taskIds.js';
import { isoTime } from '../lib/core/time/isoTime.js';
import { EmbeddedStorage } from '../lib/embedded/sqlite/EmbeddedStorage.js';
import type { BenchContext, BenchModule, BenchResult, SummaryRow } from './lib/BenchModule.js';
import { backgroundCpu } from './lib/backgroundCpu.js';
import { HttpClient } from './lib/HttpClient.js';
import { countTasks, SUBMIT_CONCURRENCY, submitAll, waitForEmptyQueues, type QueueInfo } from './lib/platformTasks.js';
import { heavyNodes, pipelineRuns, seededRandom } from './lib/lineageGraph.js';
import { markdownTable, textTable } from './lib/markdownTable.js';
import { percentile } from './lib/percentile.js';
import { processMemory } from './lib/processMemory.js';
import { mainThreadProfile, startEmbeddedRuntime } from './lib/startEmbeddedRuntime.js';
import { cpuProfileMarkdown, summarizeCpuProfile } from './lib/summarizeCpuProfile.js';
import { formatMb, formatNumber, formatPercent, formatRatio, median } from './lib/stats.js';

const CONFIG = 'bench/fixtures/events/serverless.yml';
/** `<service>-<stage>-<function>`: the task queues of the fixture's processes. */
const QUEUE = (fn: string) => `bench-events-bench-${fn}`;
const WARMUP_TASKS = 1_000;
/** Issue targets. */
const TARGET_RATIO = 2.3;
const TARGET_PEAK_RSS = 250 * 1024 * 1024;
const TARGET_LINEAGE_P99_MS = 50;
/** The lineage store. */
const STORE_EVENTS = 100_000;
const SAVE_BATCH = 500;
const LINEAGE_DEPTH = 5;
const RANDOM_NODES = 600;
const HEAVY_NODES = 150;
const WARMUP_WALKS = 50;

// ---- (a) plain vs chained ------------------------------------------------------------------------

interface ChainScenario {
  key: 'plain' | 'chained';
  label: string;
  process: string;
  /** Every queue the run's tasks go through: all empty = every task finished. */
  queues: string[];
  /** Tasks per submitted one (the chained task starts a subscriber's). */
  tasksPer: number;
}

const SCENARIOS: readonly ChainScenario[] = [
  { key: 'plain', label: 'plain: N tasks, no events', process: 'plain', queues: [QUEUE('plain')], tasksPer: 1 },
  { key: 'chained', label: 'chained: N tasks emitting 1 event each -> N subscriber tasks', process: 'chained', queues: [QUEUE('chained'), QUEUE('subscriber')], tasksPer: 2 },
];

interface ChainResult {
  elapsedMs: number;
  /** Every task of the run (chained: both processes) per second. */
  tasksPerSec: number;
  succeeded: number;
  subscribers: number;
  failed: number;
  rejected: number;
  peakRss: number;
  /** RSS once serving, before any task. */
  idleRss: number;
  /** RSS after the warm-up (worker pools started), before the measured tasks. */
  warmRss: number;
  /** With `--cpu-prof`: the runtime's profiles, and how much of them (start-up, warm-up) to skip. */
  profile?: { dir: string; skipFirstMs: number };
}


async function runChain(ctx: BenchContext, scenario: ChainScenario, label: string): Promise<ChainResult> {
  const n = ctx.options.tasks;
  const runtime = await startEmbeddedRuntime(ctx, { label: `events-${scenario.key}`, config: CONFIG });
  const client = new HttpClient(runtime.url, { authorization: `Bearer ${runtime.apiToken}` }, SUBMIT_CONCURRENCY);
  try {
    const { items } = await client.json<{ items: QueueInfo[] }>('GET', '/sluice/queues');
    const missing = scenario.queues.filter((q) => !items.some((i) => i.name === q));
    if (missing.length > 0) throw new Error(`the runtime has no queue ${missing.join(', ')} (has ${items.map((q) => q.name).join(', ')})`);

    const idleRss = processMemory(runtime.child.pid)?.rss ?? NaN;
    const warmupStarted = performance.now();
    const warm = await submitAll(client, taskRequest(scenario.process), 0, Math.min(WARMUP_TASKS, n));
    if (warm.rejected > 0) throw new Error(`${warm.rejected} warm-up request(s) rejected, first: ${warm.firstRejection}`);
    await waitForEmptyQueues(ctx, client, scenario.queues, `${label} warm-up`, Math.max(180_000, ctx.options.tasks * 40));
    const measuredFromMs = runtime.startupMs + (performance.now() - warmupStarted);
    const warmRss = processMemory(runtime.child.pid)?.rss ?? NaN;

    const started = performance.now();
    const { rejected, firstRejection } = await submitAll(client, taskRequest(scenario.process), WARMUP_TASKS, n);
    if (rejected) ctx.log(`  ${label}: ${rejected} REJECTED (first: ${firstRejection})`);
    await waitForEmptyQueues(ctx, client, scenario.queues, label, Math.max(180_000, ctx.options.tasks * 40));
    const elapsedMs = performance.now() - started;
    const peakRss = processMemory(runtime.child.pid)?.peakRss ?? NaN;

    const warmed = Math.min(WARMUP_TASKS, n);
    const succeeded = (await countTasks(client, scenario.process, 'succeeded')) - warmed;
    const subscribers = scenario.key === 'chained' ? (await countTasks(client, 'subscriber', 'succeeded')) - warmed : 0;
    const failed = (await countTasks(client, scenario.process, 'failed')) + (scenario.key === 'chained' ? await countTasks(client, 'subscriber', 'failed') : 0);
    const result: ChainResult = {
      elapsedMs,
      tasksPerSec: (succeeded + subscribers) / (elapsedMs / 1000),
      succeeded,
      subscribers,
      failed,
      rejected,
      peakRss,
      idleRss,
      warmRss,
      ...(runtime.profileDir ? { profile: { dir: runtime.profileDir, skipFirstMs: measuredFromMs } } : {}),
    };
    ctx.log(
      `  ${label}: ${formatNumber(succeeded)} + ${formatNumber(subscribers)} subscriber task(s) succeeded, ${failed} failed in ${(elapsedMs / 1000).toFixed(2)} s = ${formatNumber(result.tasksPerSec)} tasks/s; peak RSS ${formatMb(peakRss)}`,
    );
    return result;
  } finally {
    client.close();
    await runtime.stop();
  }
}

// ---- (b) lineage over a 100,000-event store ----------------------------------------------------

interface BuiltStore {
  events: number;
  tasks: number;
  nodes: string[];
  buildMs: number;
  fileBytes: number;
}

/** Builds the store in `dataDir` through `tasks.save(record, events)`, {@link SAVE_BATCH} saves in flight (group commits). */
async function buildLineageStore(dataDir: string): Promise<BuiltStore> {
  const started = performance.now();
  const storage = EmbeddedStorage.open({ dataDir });
  const nowMs = Date.now();
  const expiresAt = Math.floor(nowMs / 1000) + 7 * 86_400;
  const nodes = new Set<string>();
  let events = 0;
  let tasks = 0;
  try {
    let batch: Array<Promise<unknown>> = [];
    for (const run of pipelineRuns(STORE_EVENTS, nowMs)) {
      const taskId = newTaskId(run.atMs);
      const createdAt = isoTime(run.atMs);
      const record: TaskRecord = {
        taskId,
        process: run.process,
        status: 'succeeded',
        trigger: { type: 'schedule', rule: `${run.process}-schedule`, scheduledTime: createdAt },
        createdAt,
        startedAt: createdAt,
        finishedAt: isoTime(run.atMs + 1_000),
        attempts: 1,
        result: { hops: run.hops.length },
        logs: [],
        expiresAt,
      };
      const published: DataEvent[] = run.hops.map((hop, sequence) => ({
        eventId: newTaskId(run.atMs),
        ...hop,
        meta: { rows: 1_000 + sequence },
        sequence,
        createdAt,
        taskId,
        process: run.process,
        logic: 'run',
        attempt: 1,
        depth: 0,
      }));
      for (const hop of run.hops) nodes.add(hop.source).add(hop.target);
      events += published.length;
      tasks++;
      batch.push(storage.tasks.save(record, published));
      if (batch.length >= SAVE_BATCH) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    const { bytes } = storage.db.prepare("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()").get() as { bytes: number };
    return { events, tasks, nodes: [...nodes], buildMs: performance.now() - started, fileBytes: bytes };
  } finally {
    storage.close();
  }
}

interface WalkSet {
  key: string;
  label: string;
  nodes: string[];
  direction: LineageDirection | 'both';
  /** Counts against the p99 target. */
  targeted: boolean;
}

interface WalkStats {
  p50: number;
  p99: number;
  max: number;
  medianEdges: number;
  maxEdges: number;
  truncated: number;
}

function summarizeWalks(times: number[], edges: number[], truncated: number): WalkStats {
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times), medianEdges: median(edges), maxEdges: Math.max(...edges), truncated };
}

async function walkDirect(storage: EmbeddedStorage, set: WalkSet): Promise<WalkStats> {
  const times: number[] = [];
  const edges: number[] = [];
  let truncated = 0;
  for (const node of set.nodes) {
    const t0 = performance.now();
    const graph = await walkLineage(storage.events, { node, direction: set.direction, depth: LINEAGE_DEPTH });
    times.push(performance.now() - t0);
    edges.push(graph.edges.length);
    if (graph.truncated) truncated++;
  }
  return summarizeWalks(times, edges, truncated);
}

async function walkHttp(client: HttpClient, set: WalkSet): Promise<WalkStats> {
  const times: number[] = [];
  const edges: number[] = [];
  let truncated = 0;
  for (const node of set.nodes) {
    const path = `/sluice/lineage?${new URLSearchParams({ node, direction: set.direction, depth: String(LINEAGE_DEPTH) })}`;
    const t0 = performance.now();
    const answer = await client.send('GET', path);
    times.push(performance.now() - t0);
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    const graph = JSON.parse(answer.body) as { edges: unknown[]; truncated?: true };
    edges.push(graph.edges.length);
    if (graph.truncated) truncated++;
  }
  return summarizeWalks(times, edges, truncated);
}

function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  return Array.from({ length: count }, () => items[Math.floor(random() * items.length)]!);
}

// ---- run -----------------------------------------------------------------------------------------

async function run(ctx: BenchContext): Promise<BenchResult> {
  const { rounds, tasks } = ctx.options;
  const summary: SummaryRow[] = [];

  // (a)
  const results = new Map<string, ChainResult[]>(SCENARIOS.map((s) => [s.key, []]));
  const ratios: number[] = [];
  const background: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // The order alternates: neither variant always runs on the warmer (or busier) machine.
    const order = round % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse();
    const byKey = new Map<string, ChainResult>();
    for (const scenario of order) {
      const other = await backgroundCpu(1_000);
      if (other !== undefined) background.push(other);
      const result = await runChain(ctx, scenario, `round ${round + 1}/${rounds} ${scenario.key}`);
      results.get(scenario.key)!.push(result);
      byKey.set(scenario.key, result);
    }
    ratios.push(byKey.get('chained')!.elapsedMs / byKey.get('plain')!.elapsedMs);
  }
  const chainHeader = ['run', 'time to all finished (median)', 'per round', 'tasks/s (all tasks)', 'succeeded (+ subscribers) / failed / rejected', 'peak RSS (max)', 'RSS idle / after warm-up (median)'];
  const chainAlign = ['l', 'r', 'r', 'r', 'r', 'r', 'r'] as const;
  const chainRows = SCENARIOS.map((s) => {
    const list = results.get(s.key)!;
    const sum = (f: (r: ChainResult) => number) => list.reduce((acc, r) => acc + f(r), 0);
    return [
      s.label,
      `${(median(list.map((r) => r.elapsedMs)) / 1000).toFixed(2)} s`,
      list.map((r) => `${(r.elapsedMs / 1000).toFixed(2)} s`).join(' / '),
      formatNumber(median(list.map((r) => r.tasksPerSec))),
      `${formatNumber(sum((r) => r.succeeded))}${s.key === 'chained' ? ` (+ ${formatNumber(sum((r) => r.subscribers))})` : ''} / ${sum((r) => r.failed)} / ${sum((r) => r.rejected)}`,
      formatMb(Math.max(...list.map((r) => r.peakRss))),
      `${formatMb(median(list.map((r) => r.idleRss)))} / ${formatMb(median(list.map((r) => r.warmRss)))}`,
    ];
  });
  const ratio = median(ratios);
  const chained = results.get('chained')!;
  const complete = [...results.values()].flat().every((r) => r.succeeded === tasks && r.failed === 0 && r.rejected === 0) && chained.every((r) => r.subscribers === tasks);
  const chainedPeak = Math.max(...chained.map((r) => r.peakRss));
  ctx.log(`\n${textTable(chainHeader, chainRows, [...chainAlign])}\n  chained / plain time: ${ratios.map(formatRatio).join(' / ')} -> median ${formatRatio(ratio)}\n`);
  summary.push(
    { benchmark: 'events chained', metric: 'time chained / plain', value: formatRatio(ratio), target: `<= ${formatRatio(TARGET_RATIO)}`, met: ratio <= TARGET_RATIO && complete },
    { benchmark: 'events chained', metric: 'runtime peak RSS', value: formatMb(chainedPeak), target: `<= ${formatMb(TARGET_PEAK_RSS)}`, met: chainedPeak <= TARGET_PEAK_RSS },
  );

  // (b)
  ctx.log(`  building a ${formatNumber(STORE_EVENTS)}-event store through SqliteTaskStore.save(record, events)`);
  const dataDir = ctx.tempDirs.create('events-lineage');
  const built = await buildLineageStore(dataDir);
  ctx.log(`  built: ${formatNumber(built.events)} events of ${formatNumber(built.tasks)} tasks, ${formatNumber(built.nodes.length)} nodes, in ${(built.buildMs / 1000).toFixed(1)} s (${formatMb(built.fileBytes)} sluice.db)`);
  const random = seededRandom(42);
  const randomNodes = sample(built.nodes, RANDOM_NODES, random);
  const heavy = sample(heavyNodes(), HEAVY_NODES, random);
  const sets: WalkSet[] = [
    { key: 'random-upstream', label: `${RANDOM_NODES} random nodes, upstream`, nodes: randomNodes, direction: 'upstream', targeted: true },
    { key: 'random-downstream', label: `${RANDOM_NODES} random nodes, downstream`, nodes: randomNodes, direction: 'downstream', targeted: true },
    { key: 'random-both', label: `${RANDOM_NODES} random nodes, both`, nodes: randomNodes, direction: 'both', targeted: true },
    { key: 'heavy-both', label: `${HEAVY_NODES} hubs, reports and marts, both (for information)`, nodes: heavy, direction: 'both', targeted: false },
  ];
  const direct = new Map<string, WalkStats>();
  const http = new Map<string, WalkStats>();
  {
    const storage = EmbeddedStorage.open({ dataDir });
    try {
      await walkDirect(storage, { ...sets[2]!, nodes: sample(built.nodes, WARMUP_WALKS, random) });
      for (const set of sets) direct.set(set.key, await walkDirect(storage, set));
    } finally {
      storage.close();
    }
  }
  const runtime = await startEmbeddedRuntime(ctx, { label: 'events-lineage', config: CONFIG, dataDir });
  const client = new HttpClient(runtime.url, { authorization: `Bearer ${runtime.apiToken}` }, 1);
  try {
    await walkHttp(client, { ...sets[2]!, nodes: sample(built.nodes, WARMUP_WALKS, random) });
    for (const set of sets) http.set(set.key, await walkHttp(client, set));
  } finally {
    client.close();
    await runtime.stop();
  }
  const walkHeader = ['walk (depth 5)', 'path', 'p50', 'p99', 'max', 'edges per answer: median / max', 'truncated answers'];
  const walkAlign = ['l', 'l', 'r', 'r', 'r', 'r', 'r'] as const;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const walkRows = sets.flatMap((set) =>
    (
      [
        ['walkLineage on SqliteEventStore', direct.get(set.key)!],
        ['GET /sluice/lineage (HTTP, 1 connection)', http.get(set.key)!],
      ] as const
    ).map(([path, s]) => [set.label, path, ms(s.p50), ms(s.p99), ms(s.max), `${formatNumber(s.medianEdges)} / ${formatNumber(s.maxEdges)}`, `${s.truncated} of ${set.nodes.length}`]),
  );
  ctx.log(`\n${textTable(walkHeader, walkRows, [...walkAlign])}\n`);
  const worstP99 = Math.max(...sets.filter((s) => s.targeted).map((s) => http.get(s.key)!.p99));
  summary.push({ benchmark: 'events lineage', metric: 'p99, random nodes, depth 5, HTTP', value: ms(worstP99), target: `<= ${TARGET_LINEAGE_P99_MS} ms`, met: worstP99 <= TARGET_LINEAGE_P99_MS });

  const markdown = [
    `**(a) Chained throughput.** ${formatNumber(tasks)} tasks per run through \`POST /sluice/tasks\` (${SUBMIT_CONCURRENCY} keep-alive connections) to a fresh embedded runtime (bench/fixtures/events, default settings), after ${formatNumber(WARMUP_TASKS)} warm-up tasks of the same process; timed from the first request until every queue of the run is empty in one reading (a chained task's message is deleted only after its final record, its event and its subscriber's task and message are stored in one transaction). *plain*: the cheapest process; *chained*: the same plus one \`ctx.events.emit\`, whose subscriber (a no-op) makes ${formatNumber(2 * tasks)} tasks in all. ${rounds} rounds, the order alternating; the ratio is taken per round, then the median. Peak RSS is the runtime process's VmHWM (worker threads included), the maximum over rounds.${background.length ? ` Machine CPU in use during a 1 s pause before each run (other work; nothing of the benchmark running): at most ${formatPercent(Math.max(...background))} (median ${formatPercent(median(background))}).` : ''}`,
    '',
    markdownTable(chainHeader, chainRows, [...chainAlign]),
    '',
    `- chained / plain time per round: ${ratios.map(formatRatio).join(', ')}; median **${formatRatio(ratio)}** (target <= ${formatRatio(TARGET_RATIO)}: ${ratio <= TARGET_RATIO ? '**met**' : '**missed**'}); chained peak RSS **${formatMb(chainedPeak)}** (target <= ${formatMb(TARGET_PEAK_RSS)}: ${chainedPeak <= TARGET_PEAK_RSS ? '**met**' : '**missed**'})${complete ? '' : '; **not every task succeeded**, see the table'}.`,
    '',
    `**(b) Lineage.** ${formatNumber(built.events)} events of ${formatNumber(built.tasks)} tasks (${formatNumber(built.nodes.length)} distinct identities; ${formatMb(built.fileBytes)} sluice.db) written through \`SqliteTaskStore.save(record, events)\` of \`EmbeddedStorage\` (${SAVE_BATCH} saves in flight, group commits) in ${(built.buildMs / 1000).toFixed(1)} s, shaped as bench/lib/lineageGraph.ts describes: a month of 400 pipelines of 5-8 hops (a new landed file per run, stable tables after it), 20 hub dimensions fanning out into them, 50 reports each fed by 8 marts, and 1 run in 5 feeding the next pipeline. Walks of depth ${LINEAGE_DEPTH} from the same sampled nodes (uniform over the identities, so mostly landed files and stage tables; then the heaviest nodes), one at a time after ${WARMUP_WALKS} warm-up walks, timed twice: \`walkLineage\` on the store in the benchmark's process, and \`GET /sluice/lineage?node=&direction=&depth=${LINEAGE_DEPTH}\` on an embedded runtime started on that data dir (client-side time, JSON included). The walk follows at most 200 newest edges per node and 5,000 in all (\`LINEAGE_LIMITS\`).`,
    '',
    markdownTable(walkHeader, walkRows, [...walkAlign]),
    '',
    `- worst p99 over the random-node walks through HTTP: **${ms(worstP99)}** (target <= ${TARGET_LINEAGE_P99_MS} ms: ${worstP99 <= TARGET_LINEAGE_P99_MS ? '**met**' : '**missed**'}).`,
    ...SCENARIOS.flatMap((s) => {
      const profile = results.get(s.key)![0]?.profile;
      const file = profile && mainThreadProfile(profile.dir);
      return file
        ? ['', `#### Where the runtime's main thread spends its time: ${s.key} (\`--cpu-prof\`, first round, measured part only)`, '', cpuProfileMarkdown(summarizeCpuProfile(file, ctx.repoRoot, { skipFirstMs: profile.skipFirstMs }), ctx.repoRoot)]
        : [];
    }),
  ].join('\n');
  return { markdown, summary };
}

export const eventsBenchmark: BenchModule = {
  name: 'events',
  title: 'Data events: chained throughput and lineage latency (embedded runtime)',
  run,
};

/** `POST /sluice/tasks` of task `n` of `process`. */
function taskRequest(process: string): (n: number) => { path: string; body: string } {
  return (n) => ({ path: '/sluice/tasks', body: JSON.stringify({ process, payload: { n } }) });
}
