/**
 * Sync route benchmark: a trivial Sluice process behind an HTTP route on the
 * embedded runtime (task record persisted), against a bare node:http server
 * and serverless-offline running an equivalent plain handler (plus, for
 * information, Hono alone and the real Sluice Lambda handler behind
 * serverless-offline). Each server in its own process; rounds interleaved;
 * medians and per-round ratios.
 */
import autocannon, { type Result } from 'autocannon';
import { build } from 'esbuild';
import { join } from 'node:path';
import type { BenchContext, BenchModule, BenchResult, SummaryRow } from './lib/BenchModule.js';
import type { ManagedChild } from './lib/ChildProcesses.js';
import { freePort } from './lib/freePort.js';
import { markdownTable, textTable } from './lib/markdownTable.js';
import { processDiskWrites, processMemory } from './lib/processMemory.js';
import { mainThreadProfile, startEmbeddedRuntime } from './lib/startEmbeddedRuntime.js';
import { backgroundCpu } from './lib/backgroundCpu.js';
import { formatBytes, formatMb, formatNumber, formatPercent, formatRatio, median } from './lib/stats.js';
import { cpuProfileMarkdown, summarizeCpuProfile } from './lib/summarizeCpuProfile.js';
import { waitForHttp } from './lib/waitForHttp.js';
import { REPLY } from './fixtures/trivial/functions/reply.mjs';

const FIXTURE = 'bench/fixtures/trivial';
const CONNECTIONS = 10;
/**
 * The request every variant gets: a POST with a path parameter, a query
 * string and a small JSON body (what a sync data-process route such as
 * `POST /customers/{customerId}/sync` receives). Each variant parses the body.
 */
const REQUEST = { suffix: '/bench?source=autocannon', method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json' } } as const;
/** Extra warm-up where DynamoDB Local (a JVM) is behind the server. */
const JVM_WARMUP_SECONDS = 10;
/** Issue targets. */
const TARGET_VS_OFFLINE = 4;
const TARGET_VS_BARE = 0.4;

interface RunningServer {
  /** The route's URL up to its `{id}` parameter; requests go to url + REQUEST.suffix. */
  url: string;
  child: ManagedChild;
  stop(): Promise<void>;
  profileDir?: string;
  startupMs?: number;
}

type VariantKey = 'embedded' | 'hono' | 'bare' | 'offline' | 'offline-sluice';

interface Variant {
  key: VariantKey;
  label: string;
  /** Informational: when it cannot start or answers differently, it is reported as not measured instead of failing the benchmark. */
  optional?: boolean;
  /** Warm-up beyond the common one (a JVM behind it). */
  extraWarmupSeconds?: number;
  start(ctx: BenchContext): Promise<RunningServer>;
}

/** `osls offline --useInProcess` with `config` from the fixture directory, on free ports. */
async function startOffline(ctx: BenchContext, name: string, config: string, env: NodeJS.ProcessEnv, path: string): Promise<RunningServer> {
  const [httpPort, lambdaPort, websocketPort] = [await freePort(), await freePort(), await freePort()];
  const child = ctx.children.start({
    name,
    cwd: join(ctx.repoRoot, FIXTURE),
    nodeArgs: [
      join(ctx.repoRoot, 'node_modules/serverless/bin/serverless.js'),
      'offline',
      '--config',
      config,
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
      '--websocketPort',
      String(websocketPort),
      '--noSponsor',
      '--useInProcess',
    ],
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...env },
  });
  const url = `http://127.0.0.1:${httpPort}${path}`;
  try {
    await waitForHttp(url, child, 90_000);
  } catch (error) {
    await ctx.children.stop(child);
    throw error;
  }
  return { url, child, stop: async () => void (await ctx.children.stop(child)) };
}

/** The task table the real handler writes to (`${service}-${stage}-tasks`). */
const BENCH_TASK_TABLE = 'bench-bench-tasks';

/**
 * The real Sluice Lambda handler of `trivial` behind serverless-offline,
 * storing its task records in DynamoDB Local (in a process of its own). The
 * handler is bundled with esbuild first, as serverless-esbuild does for a
 * deployment: serverless-offline 14 cannot use the installed tsx's ESM API,
 * and would otherwise reload a TypeScript handler on every invocation.
 */
async function startOfflineSluice(ctx: BenchContext): Promise<RunningServer> {
  await build({
    entryPoints: [join(ctx.repoRoot, FIXTURE, 'functions/trivial.ts')],
    outfile: join(ctx.repoRoot, FIXTURE, '.build/functions/trivial.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The Lambda runtime provides the AWS SDK; here it resolves from the repository's node_modules.
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
  const emulators = ctx.children.start({
    name: 'AWS emulators (DynamoDB Local)',
    cwd: ctx.repoRoot,
    nodeArgs: ['--import', 'tsx', 'bench/servers/awsEmulatorsServer.ts', '--table', BENCH_TASK_TABLE],
  });
  try {
    const ready = await emulators.waitForOutput(/^READY (.+)$/m, 180_000);
    const endpoints = JSON.parse(ready[1]!) as { region: string; dynamodbEndpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
    const offline = await startOffline(
      ctx,
      'serverless-offline (Sluice handler)',
      'serverless.offline-sluice.yml',
      {
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
        AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
        AWS_REGION: endpoints.region,
      },
      '/trivial',
    );
    return {
      ...offline,
      async stop() {
        await offline.stop();
        await ctx.children.stop(emulators, 20_000);
      },
    };
  } catch (error) {
    await ctx.children.stop(emulators, 20_000);
    throw error;
  }
}

/** A plain script under bench/servers/ that takes `--port`. */
async function startScript(ctx: BenchContext, name: string, script: string): Promise<RunningServer> {
  const port = await freePort();
  const child = ctx.children.start({ name, cwd: ctx.repoRoot, nodeArgs: [script, '--port', String(port)] });
  const url = `http://127.0.0.1:${port}/plain`;
  await waitForHttp(url, child);
  return { url, child, stop: async () => void (await ctx.children.stop(child)) };
}

const VARIANTS: readonly Variant[] = [
  {
    key: 'embedded',
    label: 'Sluice embedded runtime, task record persisted (SQLite file, trackRunning on)',
    async start(ctx) {
      const runtime = await startEmbeddedRuntime(ctx, { label: 'sync', config: `${FIXTURE}/serverless.yml` });
      return {
        url: `${runtime.url}/trivial`,
        child: runtime.child,
        stop: runtime.stop,
        startupMs: runtime.startupMs,
        ...(runtime.profileDir ? { profileDir: runtime.profileDir } : {}),
      };
    },
  },
  {
    key: 'hono',
    label: 'Hono on @hono/node-server, same JSON, no task (for information)',
    start: (ctx) => startScript(ctx, 'Hono', 'bench/servers/honoServer.mjs'),
  },
  {
    key: 'bare',
    label: 'bare node:http, same JSON',
    start: (ctx) => startScript(ctx, 'bare node:http', 'bench/servers/bareHttpServer.mjs'),
  },
  {
    key: 'offline',
    label: 'serverless-offline --useInProcess, plain handler, same JSON',
    // Dummy credentials: nothing here talks to AWS, and the SDK must not go looking for real ones.
    start: (ctx) =>
      startOffline(ctx, 'serverless-offline', 'serverless.offline.yml', { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' }, '/plain'),
  },
  {
    key: 'offline-sluice',
    label: 'serverless-offline --useInProcess, the real Sluice handler, task records in DynamoDB Local (for information)',
    optional: true,
    // DynamoDB Local's JVM needs a while before it runs at speed.
    extraWarmupSeconds: JVM_WARMUP_SECONDS,
    start: startOfflineSluice,
  },
];

interface Measurement {
  reqPerSec: number;
  /** Bytes the server wrote to storage per completed request (SQLite WAL and checkpoints). */
  diskBytesPerRequest: number;
  p50: number;
  p99: number;
  /** Errors, timeouts, non-2xx responses and responses with another body. */
  failures: number;
}

/** The exact body every variant must answer (checked on every response: serverless-offline answers a failing handler with a 200). */
const EXPECTED_BODY = JSON.stringify(REPLY);

async function measure(server: RunningServer, durationSeconds: number): Promise<Measurement> {
  const writtenBefore = processDiskWrites(server.child.pid);
  const result: Result = await autocannon({
    url: `${server.url}${REQUEST.suffix}`,
    method: REQUEST.method,
    body: REQUEST.body,
    headers: { ...REQUEST.headers },
    connections: CONNECTIONS,
    duration: durationSeconds,
    expectBody: EXPECTED_BODY,
  });
  const writtenAfter = processDiskWrites(server.child.pid);
  return {
    diskBytesPerRequest: writtenBefore !== undefined && writtenAfter !== undefined && result['2xx'] > 0 ? (writtenAfter - writtenBefore) / result['2xx'] : NaN,
    // Completed 2xx responses over the measured time: a per-second average that includes the last partial second.
    reqPerSec: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const { rounds, durationSeconds, warmupSeconds } = ctx.options;
  const servers = new Map<VariantKey, RunningServer>();
  const results = new Map<VariantKey, Measurement[]>(VARIANTS.map((v) => [v.key, []]));
  const peakRss = new Map<VariantKey, number>();
  /** Machine CPU in use during 1 s before each round (no load running; idle servers included). */
  const background: number[] = [];
  let profile: { file: string; skipFirstMs: number } | undefined;
  /** Optional variants that could not be measured, and why. */
  const skipped = new Map<VariantKey, string>();
  let measured: Variant[] = [];
  try {
    for (const variant of VARIANTS) {
      ctx.log(`starting ${variant.label}`);
      const started = Date.now();
      try {
        servers.set(variant.key, await variant.start(ctx));
      } catch (error) {
        if (!variant.optional) throw error;
        skipped.set(variant.key, `did not start: ${firstLine(error)}`);
        ctx.log(`  SKIPPED (optional): ${skipped.get(variant.key)}`);
        continue;
      }
      ctx.log(`  ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }

    // Same answer everywhere, or the comparison means nothing.
    const expected = { status: 200, body: EXPECTED_BODY };
    for (const variant of VARIANTS) {
      const server = servers.get(variant.key);
      if (!server) continue;
      const answer = await answerOf(server.url);
      if (answer.status === 200 && answer.body === expected.body) continue;
      const problem = `answers ${answer.status} \`${answer.body.slice(0, 400)}\` instead of ${expected.status} \`${expected.body}\``;
      if (!variant.optional) throw new Error(`${variant.label} ${problem}`);
      skipped.set(variant.key, problem);
      ctx.log(`  SKIPPED (optional) ${variant.key}: ${problem}`);
      await server.stop();
      servers.delete(variant.key);
    }
    measured = VARIANTS.filter((v) => servers.has(v.key));

    for (const variant of measured) {
      const seconds = warmupSeconds + (variant.extraWarmupSeconds ?? 0);
      ctx.log(`warm-up ${seconds} s: ${variant.key}`);
      await measure(servers.get(variant.key)!, seconds);
    }
    for (let round = 0; round < rounds; round++) {
      const other = await backgroundCpu(1_000);
      if (other !== undefined) background.push(other);
      // Rotate the order each round so that no variant always runs first (or right after the heaviest one).
      const order = measured.map((_, i) => measured[(i + round) % measured.length]!);
      for (const variant of order) {
        const m = await measure(servers.get(variant.key)!, durationSeconds);
        results.get(variant.key)!.push(m);
        ctx.log(
          `round ${round + 1}/${rounds} ${variant.key.padEnd(14)} ${formatNumber(m.reqPerSec).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms${m.failures ? `  FAILURES ${m.failures}` : ''}`,
        );
      }
    }
    for (const variant of measured) {
      const memory = processMemory(servers.get(variant.key)!.child.pid);
      if (memory) peakRss.set(variant.key, memory.peakRss);
    }
  } finally {
    for (const [key, server] of servers) {
      await server.stop();
      const file = key === 'embedded' && server.profileDir ? mainThreadProfile(server.profileDir) : undefined;
      if (file) profile = { file, skipFirstMs: server.startupMs ?? 0 };
    }
  }

  // Ratios per round (the variants of one round ran back to back, under the same machine noise), then their median.
  const perRound = (key: VariantKey) => results.get(key)!.map((m) => m.reqPerSec);
  const ratios = (a: VariantKey, b: VariantKey) => perRound(a).map((v, i) => v / perRound(b)[i]!);
  const vsOffline = median(ratios('embedded', 'offline'));
  const vsBare = median(ratios('embedded', 'bare'));
  const honoVsBare = median(ratios('hono', 'bare'));

  const header = ['variant', 'req/s (median)', 'req/s per round', 'p50 ms', 'p99 ms', 'errors, non-2xx, wrong body', 'server peak RSS', 'disk writes per request'];
  const align = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;
  const rows = VARIANTS.map((v) => {
    const list = results.get(v.key)!;
    if (list.length === 0) return [v.label, 'not measured (see below)', '', '', '', '', '', ''];
    return [
      v.label,
      formatNumber(median(list.map((m) => m.reqPerSec))),
      list.map((m) => formatNumber(m.reqPerSec)).join(' / '),
      String(median(list.map((m) => m.p50))),
      String(median(list.map((m) => m.p99))),
      String(list.reduce((sum, m) => sum + m.failures, 0)),
      peakRss.has(v.key) ? formatMb(peakRss.get(v.key)!) : 'n/a',
      formatBytes(median(list.map((m) => m.diskBytesPerRequest))),
    ];
  });
  ctx.log(`\n${textTable(header, rows, [...align])}\n`);

  const summary: SummaryRow[] = [
    { benchmark: 'sync route', metric: 'embedded req/s', value: rows[0]![1]! },
    { benchmark: 'sync route', metric: 'embedded / serverless-offline', value: formatRatio(vsOffline), target: `>= ${TARGET_VS_OFFLINE}x`, met: vsOffline >= TARGET_VS_OFFLINE },
    { benchmark: 'sync route', metric: 'embedded / bare node:http', value: formatPercent(vsBare), target: `>= ${formatPercent(TARGET_VS_BARE)}`, met: vsBare >= TARGET_VS_BARE },
    { benchmark: 'sync route', metric: 'Hono alone / bare node:http', value: formatPercent(honoVsBare) },
  ];
  const verdict = (met: boolean | undefined) => (met ? '**met**' : '**missed**');
  const markdown = [
    `Request: \`${REQUEST.method} <route>${REQUEST.suffix}\` with the JSON body \`${REQUEST.body}\`; autocannon ${CONNECTIONS} connections, ${durationSeconds} s per measurement after a ${warmupSeconds} s warm-up each (${warmupSeconds + JVM_WARMUP_SECONDS} s for the DynamoDB Local row: its JVM); ${rounds} interleaved rounds (the order rotates every round); medians. Each server runs in its own process; the load generator runs in the runner's process on the same cores.${background.length ? ` Machine CPU in use during a 1 s pause before each round (no load running, so other work plus the servers under test settling, e.g. DynamoDB Local's JVM): ${background.map(formatPercent).join(', ')}.` : ''}`,
    '',
    markdownTable(header, rows, [...align]),
    '',
    `- Embedded / serverless-offline: **${formatRatio(vsOffline)}** (median of per-round ratios ${ratios('embedded', 'offline').map(formatRatio).join(', ')}); target >= ${TARGET_VS_OFFLINE}x: ${verdict(summary[1]!.met)}.`,
    `- Embedded / bare node:http: **${formatPercent(vsBare)}** (per round ${ratios('embedded', 'bare').map(formatPercent).join(', ')}); target >= ${formatPercent(TARGET_VS_BARE)}: ${verdict(summary[2]!.met)}.`,
    ...(results.get('offline-sluice')!.length > 0
      ? [
          `- For information: the real Sluice handler behind serverless-offline (AWS code path, one DynamoDB Local write per request, trackRunning off as on AWS) reaches ${formatPercent(median(ratios('offline-sluice', 'offline')))} of the plain handler's rate; the embedded runtime is ${formatRatio(median(ratios('embedded', 'offline-sluice')))} its rate.`,
        ]
      : []),
    ...[...skipped].map(([key, why]) => `- Not measured: ${VARIANTS.find((v) => v.key === key)!.label}: ${why}.`),
    `- For scale: Hono alone (the embedded runtime's HTTP stack, no task) reaches ${formatPercent(honoVsBare)} of bare node:http; the embedded runtime reaches ${formatPercent(median(ratios('embedded', 'hono')))} of Hono alone.`,
    ...(profile ? ['', '#### Where the embedded runtime spends its time (`--cpu-prof`, numbers above are under the profiler)', '', cpuProfileMarkdown(summarizeCpuProfile(profile.file, ctx.repoRoot, { skipFirstMs: profile.skipFirstMs }), ctx.repoRoot)] : []),
  ].join('\n');
  return { markdown, summary };
}

export const syncBenchmark: BenchModule = {
  name: 'sync',
  title: 'Sync route: embedded runtime vs bare node:http vs serverless-offline',
  run,
};

async function answerOf(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}${REQUEST.suffix}`, { method: REQUEST.method, body: REQUEST.body, headers: REQUEST.headers });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text));
  } catch {
    // Not JSON: compared as is.
  }
  return { status: res.status, body };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!;
}
