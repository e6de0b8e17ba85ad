/**
 * AWS runtime benchmark: the repository's service packaged as
 * `npm run package` packages it (osls `serverless package`, offline), then
 *
 * 1. bundle size per function, zipped and unzipped, against a hello-world
 *    handler bundled the same way, and the largest bundle by package;
 * 2. cold init of every packaged function and of the hello world, each in
 *    a fresh `node` against the emulators (DynamoDB Local + fauxqs),
 *    interleaved rounds, medians and p90;
 * 3. AWS requests (and DynamoDB capacity) per task type, counted on the
 *    handlers' SDK clients, and the cost per million tasks at us-east-1
 *    prices.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { PLATFORM_FUNCTION } from '../lib/config/sluiceNames.js';
import { SLUICE_ENV } from '../lib/aws/config/sluiceEnv.js';
import { itemSize, TASK_ITEM } from '../lib/aws/taskItemCodec.js';
import { taskTableProperties } from '../lib/aws/taskTable.js';
import { httpApiEvent, sqsEventOf } from '../test/aws/lambda/lambdaEvents.js';
import { DEMO_SHOP, sdkOnlyModules } from '../test/aws/packaging/packagedService.js';
import type { BenchContext, BenchModule, BenchResult, SummaryRow } from './lib/BenchModule.js';
import { costPerMillionTasks, SQS_BILLING_CHUNK_BYTES, US_EAST_1, type TaskUsage } from './lib/aws/awsPrices.js';
import { coldStart, writeInvoker, type ColdStartSample } from './lib/aws/coldStart.js';
import { functionEnvironment, startEmulatedStack, type EmulatedStack } from './lib/aws/emulatedStack.js';
import { packageService, type PackagedFunction, type PackagedService } from './lib/aws/packageService.js';
import { buildBundle, bytesByPackage, entryOf, esbuildOptionsOf, zipLikeServerlessEsbuild, type BuiltBundle } from './lib/aws/serverlessEsbuild.js';
import {
  clickstreamBody,
  consumedQueuesOf,
  customerSyncEvent,
  firingTime,
  receiveMessages,
  scheduleEventOf,
  sendMessages,
  submitRollupEvent,
} from './lib/aws/serviceEvents.js';
import { countTaskRequests, STEPS, type HandlerSpec, type Step, type StepCount } from './lib/aws/taskRequests.js';
import { markdownTable, textTable } from './lib/markdownTable.js';
import { percentile } from './lib/percentile.js';
import { formatBytes, formatNumber, formatPercent, formatRatio, median } from './lib/stats.js';

/** The stage the copy is packaged for: every name in the stack is `sluice-examples-bench-...`. */
const STAGE = 'bench';
/** Issue targets. */
const TARGET_BUNDLE_BYTES = 150 * 1024;
const TARGET_INIT_RATIO = 2;
/** Cost assumptions (aws-facts.md §5 uses 50 ms). */
const LAMBDA_DURATION_MS = 50;
const COLD_SHARE = 0.01;

/** The service's functions this benchmark knows how to drive (the demo shop, test/fixtures/demo-shop). */
const SYNC_FUNCTION = 'customer-sync';
const ROLLUP_FUNCTION = 'sales-rollup';
const STREAM_FUNCTION = 'clickstream';

const HELLO = 'hello world';
const HELLO_DYNAMO = 'hello world + 1 GetItem';

const formatMs = (ms: number) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);
const formatKb = (bytes: number) => `${formatBytes(bytes)} (${formatNumber(bytes)} B)`;
/** `123.4` -> `123x`, `1.234` -> `1.23x`. */
const formatTimes = (ratio: number) => (ratio >= 10 ? `${ratio.toFixed(0)}x` : formatRatio(ratio));
const formatCount = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const usd = (n: number) => (n === 0 ? '0' : n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(3)}`);

// ---------------------------------------------------------------- bundles

interface BundleRow {
  key: string;
  file: string;
  bytes: number;
  /** Every file of the zip, unpacked. */
  unzippedBytes: number;
  zipBytes: number;
  baseline: boolean;
}

interface BundleReport {
  rows: BundleRow[];
  /** Rebuilt with the derived options, byte-identical to the packaged file. */
  identical: string[];
  different: string[];
  metafiles: Map<string, BuiltBundle>;
  options: Record<string, unknown>;
  /** The hello-world bundles, for the cold starts. */
  baselines: Array<{ key: string; dir: string; file: string }>;
  /** Every zip holds just the handler's file. */
  singleFile: boolean;
}

async function measureBundles(ctx: BenchContext, workDir: string, service: PackagedService): Promise<BundleReport> {
  const options = esbuildOptionsOf(service.resolved.custom?.esbuild ?? {}, service.resolved.provider.runtime);
  const metafiles = new Map<string, BuiltBundle>();
  const identical: string[] = [];
  const different: string[] = [];
  const rows: BundleRow[] = [];
  let singleFile = true;
  for (const fn of service.functions) {
    const rebuilt = await buildBundle(service.serviceDir, entryOf(service.serviceDir, fn.handler), options, join(workDir, 'rebuild', fn.key));
    metafiles.set(fn.key, rebuilt);
    (readFileSync(rebuilt.file).equals(readFileSync(fn.bundleFile)) ? identical : different).push(fn.key);
    rows.push({ key: fn.key, file: relative(fn.bundleDir, fn.bundleFile), bytes: fn.bundleBytes, unzippedBytes: fn.unzippedBytes, zipBytes: fn.zipBytes, baseline: false });
    if (fn.unzippedFiles !== 1) ctx.log(`   note: ${fn.key}.zip holds ${fn.unzippedFiles} files (${fn.unzippedBytes} B)`);
    if (fn.unzippedFiles !== 1) singleFile = false;
  }
  const baselines: BundleReport['baselines'] = [];
  for (const [key, source] of [
    [HELLO, 'helloWorld'],
    [HELLO_DYNAMO, 'helloDynamo'],
  ] as const) {
    const dir = join(workDir, 'bundles', source);
    const built = await buildBundle(service.serviceDir, join(ctx.repoRoot, 'bench/fixtures/aws', `${source}.ts`), options, dir);
    const zipBytes = await zipLikeServerlessEsbuild(built.file, `${source}.js`, join(workDir, `${source}.zip`));
    rows.push({ key, file: `${source}.js`, bytes: built.bytes, unzippedBytes: built.bytes, zipBytes, baseline: true });
    baselines.push({ key, dir, file: built.file });
  }
  return { rows, identical, different, metafiles, options: options as Record<string, unknown>, baselines, singleFile };
}

function bundleMarkdown(report: BundleReport, summary: SummaryRow[]): string {
  const hello = report.rows.find((r) => r.key === HELLO)!;
  const functions = report.rows.filter((r) => !r.baseline);
  const largest = [...functions].sort((a, b) => b.bytes - a.bytes)[0]!;
  summary.push({
    benchmark: 'aws bundle',
    metric: `largest bundle, minified, SDK excluded (${largest.key})`,
    value: formatBytes(largest.bytes),
    target: `<= ${formatBytes(TARGET_BUNDLE_BYTES)}`,
    met: largest.bytes <= TARGET_BUNDLE_BYTES,
  });
  const rows = report.rows.map((r) => [
    r.baseline ? `${r.key} (baseline)` : r.key,
    r.file,
    formatKb(r.bytes),
    formatKb(r.unzippedBytes),
    formatKb(r.zipBytes),
    r.key === HELLO ? '1x' : formatTimes(r.bytes / hello.bytes),
    r.baseline ? '' : r.bytes <= TARGET_BUNDLE_BYTES ? 'yes' : '**no**',
  ]);
  const decimalOver = functions.filter((r) => r.bytes <= TARGET_BUNDLE_BYTES && r.bytes > 150_000);

  const largestBuild = report.metafiles.get(largest.key)!;
  const shares = bytesByPackage(largestBuild);
  const top = shares.slice(0, 10);
  const rest = shares.slice(10);
  const shareRows = [
    ...top.map((s) => [s.name, formatKb(s.bytes), formatPercent(s.bytes / largestBuild.bytes), s.files ? String(s.files) : '']),
    ...(rest.length ? [[`${rest.length} more`, formatKb(rest.reduce((a, s) => a + s.bytes, 0)), formatPercent(rest.reduce((a, s) => a + s.bytes, 0) / largestBuild.bytes), '']] : []),
  ];
  const [output] = Object.values(largestBuild.metafile.outputs).filter((o) => o.entryPoint !== undefined);
  const inputs = Object.entries(output!.inputs)
    .sort(([, a], [, b]) => b.bytesInOutput - a.bytesInOutput)
    .slice(0, 6)
    .map(([input, { bytesInOutput }]) => `\`${input.slice(input.lastIndexOf('node_modules/') >= 0 ? input.lastIndexOf('node_modules/') + 'node_modules/'.length : 0)}\` ${formatBytes(bytesInOutput)}`);
  const others = functions
    .filter((r) => r.key !== largest.key)
    .map((r) => {
      const build = report.metafiles.get(r.key)!;
      const parts = bytesByPackage(build)
        .slice(0, 4)
        .map((s) => `${s.name} ${formatBytes(s.bytes)} (${formatPercent(s.bytes / build.bytes)})`);
      return `  - ${r.key}: ${parts.join(', ')}`;
    });
  const zod = (key: string) => bytesByPackage(report.metafiles.get(key)!).find((s) => s.name === 'zod')?.bytes ?? 0;

  return [
    '#### 1. Bundle size per function',
    '',
    `The esbuild options are \`custom.esbuild\` as serverless-esbuild applies them: \`${JSON.stringify(report.options)}\`. Rebuilding the packaged functions with exactly these options gives ${report.different.length === 0 ? `byte-identical files (${report.identical.length} of ${report.identical.length})` : `byte-identical files for ${report.identical.join(', ') || 'none'} and DIFFERENT ones for ${report.different.join(', ')}`}, so the hello-world baselines (\`bench/fixtures/aws/\`) are bundled the same way; they are zipped as serverless-esbuild zips (archiver, date 0). KB = 1,024 bytes. "Minified bundle" is the handler's file in the zip${report.singleFile ? ' (the only file in each zip)' : ''}; the target is on it.`,
    '',
    markdownTable(['function', 'handler file', 'minified bundle', 'unzipped, all files', 'zip', 'vs hello world (minified)', `<= ${formatBytes(TARGET_BUNDLE_BYTES)}`], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']),
    '',
    ...(decimalOver.length
      ? [`- Counted in 1,000-byte kB instead, ${decimalOver.map((r) => `${r.key} (${(r.bytes / 1000).toFixed(1)} kB)`).join(', ')} would be over 150 kB: the margin is that thin.`, '']
      : []),
    `What the largest bundle (${largest.key}, ${formatBytes(largest.bytes)}) is made of, from an esbuild metafile of the same build (bytes each package contributes to the minified output):`,
    '',
    markdownTable(['package or folder', 'bytes in the bundle', 'share', 'input files'], shareRows, ['l', 'r', 'r', 'r']),
    '',
    `- Largest single inputs: ${inputs.join(', ')}.`,
    `- The other bundles' largest parts:`,
    ...others,
    `- zod alone: ${functions.map((r) => `${formatBytes(zod(r.key))} (${formatPercent(zod(r.key) / r.bytes)}) of ${r.key}`).join(', ')}.`,
  ].join('\n');
}

// ---------------------------------------------------------------- cold starts

interface ColdVariant {
  key: string;
  /** The first event, in words. */
  trigger: string;
  baseline: boolean;
  bundleDir: string;
  bundleFile: string;
  exportName: string;
  env: Record<string, string>;
  /** Two fresh events (first, then a warm second). */
  events(n: number): Promise<unknown[]>;
  /** Why a returned value is wrong, if it is. */
  problem(value: unknown): string | undefined;
}

const statusProblem = (status: number) => (value: unknown) => {
  const code = (value as { statusCode?: number })?.statusCode;
  return code === status ? undefined : `expected HTTP ${status}, got ${JSON.stringify(value).slice(0, 300)}`;
};
const noFailuresProblem = (value: unknown) => {
  const failures = (value as { batchItemFailures?: unknown[] })?.batchItemFailures;
  return Array.isArray(failures) && failures.length === 0 ? undefined : `expected no batch item failures, got ${JSON.stringify(value).slice(0, 300)}`;
};
const ranProblem = (value: unknown) => {
  const v = value as { status?: string; ran?: boolean };
  return v?.status === 'succeeded' && v.ran === true ? undefined : `expected a task that ran and succeeded, got ${JSON.stringify(value).slice(0, 300)}`;
};

function coldVariants(service: PackagedService, bundles: BundleReport, stack: EmulatedStack, sdkPath: string): ColdVariant[] {
  const common = {
    NODE_PATH: sdkPath,
    // Node 20 only (Lambda runs 22): the SDK would print a deprecation warning to stderr in every child.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const baseEnv = functionEnvironment(stack, service.template, {});
  const helloEvent = () =>
    httpApiEvent({ method: 'POST', path: '/hello', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dryRun: true }) });
  const variants: ColdVariant[] = bundles.baselines.map((b) => ({
    key: b.key,
    trigger: 'API Gateway HTTP API event, POST',
    baseline: true,
    bundleDir: b.dir,
    bundleFile: b.file,
    exportName: 'handler',
    env: { ...baseEnv, ...common, HELLO_TABLE: stack.tableName },
    events: async () => [helloEvent(), helloEvent()],
    problem: statusProblem(200),
  }));
  const byKey = (key: string) => service.functions.find((f) => f.key === key);
  const fnVariant = (fn: PackagedFunction, trigger: string, events: ColdVariant['events'], problem: ColdVariant['problem']): ColdVariant => ({
    key: fn.key,
    trigger,
    baseline: false,
    bundleDir: fn.bundleDir,
    bundleFile: fn.bundleFile,
    exportName: fn.handler.slice(fn.handler.lastIndexOf('.') + 1),
    env: { ...functionEnvironment(stack, service.template, fn.environment), ...common },
    events,
    problem,
  });
  for (const fn of service.functions) {
    if (fn.key === SYNC_FUNCTION) {
      variants.push(fnVariant(fn, 'API Gateway HTTP API event, POST /customers/{customerId}/sync', async (n) => [customerSyncEvent(n), customerSyncEvent(n + 1)], statusProblem(200)));
    } else if (fn.key === PLATFORM_FUNCTION) {
      variants.push(fnVariant(fn, 'POST /sluice/tasks (IAM-authorized), a sales-rollup task', async (n) => [submitRollupEvent(n), submitRollupEvent(n + 1)], statusProblem(202)));
    } else if (fn.key === STREAM_FUNCTION) {
      const queue = consumedQueuesOf(service.template, fn.logicalId).find((q) => q !== fn.environment[SLUICE_ENV.taskQueueName]);
      if (!queue) throw new Error(`${fn.key} consumes no queue of its own`);
      variants.push(
        fnVariant(
          fn,
          'SQS batch of one clickstream message (received from fauxqs)',
          async () => {
            const url = stack.queueUrls[queue]!;
            await sendMessages(stack.sqs, url, [clickstreamBody(), clickstreamBody()]);
            const messages = await receiveMessages(stack.sqs, url, 2);
            // The event source mapping deletes them after the invocation; here before: the handler does not care.
            await stack.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
            return messages.map((m) => sqsEventOf(stack.queueArns[queue]!, [m]));
          },
          noFailuresProblem,
        ),
      );
    } else if (fn.key === ROLLUP_FUNCTION) {
      variants.push(
        fnVariant(
          fn,
          'EventBridge schedule firing (`sluiceSchedule`, as the rule renders it)',
          async (n) => [scheduleEventOf(service.template, fn.logicalId, firingTime(n)), scheduleEventOf(service.template, fn.logicalId, firingTime(n + 50_000))],
          ranProblem,
        ),
      );
    } else {
      throw new Error(`no benchmark event for the function ${fn.key}: add one to bench/aws.ts`);
    }
  }
  for (const key of [SYNC_FUNCTION, PLATFORM_FUNCTION, STREAM_FUNCTION, ROLLUP_FUNCTION]) if (!byKey(key)) throw new Error(`the service has no function ${key}`);
  return variants;
}

interface ColdResult {
  variant: ColdVariant;
  samples: ColdStartSample[];
}

const initOf = (s: ColdStartSample) => s.requireMs + s.invocations[0]!.ms;
/** Everything loaded (the bundle and the SDK, wherever it loads), no AWS call: require + the SDK's load in the first event. */
const codeLoadOf = (s: ColdStartSample) => s.requireMs + (s.sdkMs - s.sdkAtRequireMs);

async function measureColdStarts(ctx: BenchContext, workDir: string, variants: ColdVariant[], runs: number, warmupRounds: number): Promise<ColdResult[]> {
  const invoker = writeInvoker(workDir);
  const results = variants.map((variant) => ({ variant, samples: [] as ColdStartSample[] }));
  let n = 0;
  for (let round = -warmupRounds; round < runs; round++) {
    // Rotate the order each round, so that no function always follows the same one.
    const shift = ((round % results.length) + results.length) % results.length;
    const order = results.map((_, i) => results[(i + shift) % results.length]!);
    const line: string[] = [];
    for (const result of order) {
      const { variant } = result;
      n += 2;
      const sample = await coldStart(ctx, invoker, workDir, {
        label: variant.key,
        bundleDir: variant.bundleDir,
        bundleFile: variant.bundleFile,
        exportName: variant.exportName,
        env: variant.env,
        events: await variant.events(n),
      });
      for (const [i, invocation] of sample.invocations.entries()) {
        const problem = invocation.ok ? variant.problem(invocation.value) : `threw ${invocation.error.name}: ${invocation.error.message}`;
        if (problem) throw new Error(`cold start of ${variant.key}, event ${i + 1}: ${problem}`);
      }
      if (round >= 0) result.samples.push(sample);
      line.push(`${variant.key} ${formatMs(initOf(sample))}`);
    }
    ctx.log(`${round < 0 ? 'warm-up' : `round ${round + 1}/${runs}`}: ${line.join(', ')}`);
  }
  return results;
}

function coldMarkdown(results: ColdResult[], runs: number, warmupRounds: number, summary: SummaryRow[], log: (m: string) => void): string {
  const hello = results.find((r) => r.variant.key === HELLO)!;
  const dynamo = results.find((r) => r.variant.key === HELLO_DYNAMO)!;
  const functions = results.filter((r) => !r.variant.baseline);
  /** Median of the per-round ratios to `base` (the variants of one round ran back to back). */
  const ratio = (r: ColdResult, base: ColdResult, f: (s: ColdStartSample) => number) => median(r.samples.map((s, i) => f(s) / f(base.samples[i]!)));
  const med = (r: ColdResult, f: (s: ColdStartSample) => number) => median(r.samples.map(f));
  const label = (r: ColdResult) => (r.variant.baseline ? `${r.variant.key} (baseline)` : r.variant.key);
  const sinceStart = (s: ColdStartSample) => s.invocations[0]!.endedAtMs;

  for (const r of functions) {
    const value = ratio(r, hello, initOf);
    summary.push({ benchmark: 'aws cold init', metric: `${r.variant.key}: require + first event / hello world`, value: formatTimes(value), target: `<= ${TARGET_INIT_RATIO}x`, met: value <= TARGET_INIT_RATIO });
  }
  const vsDynamo = functions.map((r) => ratio(r, dynamo, initOf));
  summary.push({ benchmark: 'aws cold init', metric: `functions' require + first event / ${HELLO_DYNAMO}`, value: `${formatRatio(Math.min(...vsDynamo))} to ${formatRatio(Math.max(...vsDynamo))}` });

  const initHeader = [
    'function',
    'first event',
    'init: require + first event (median)',
    'p90',
    'vs hello world',
    `vs ${HELLO_DYNAMO}`,
    'process start to first event handled',
    'vs hello world',
    'child wall time',
  ];
  const initRows = results.map((r) => [
    label(r),
    r.variant.trigger,
    formatMs(med(r, initOf)),
    formatMs(percentile(r.samples.map(initOf), 90)),
    r === hello ? '1x' : formatTimes(ratio(r, hello, initOf)),
    r === hello ? '' : r === dynamo ? '1x' : formatRatio(ratio(r, dynamo, initOf)),
    formatMs(med(r, sinceStart)),
    r === hello ? '1x' : formatTimes(ratio(r, hello, sinceStart)),
    formatMs(med(r, (s) => s.wallMs)),
  ]);
  const splitHeader = [
    'function',
    'require',
    'of which @aws-sdk',
    'first event',
    'of which @aws-sdk (loaded lazily)',
    'first event without the SDK load',
    'second event (warm)',
    'code load, no AWS call: require + @aws-sdk',
    `vs ${HELLO_DYNAMO}`,
  ];
  const splitRows = results.map((r) => [
    label(r),
    formatMs(med(r, (s) => s.requireMs)),
    formatMs(med(r, (s) => s.sdkAtRequireMs)),
    formatMs(med(r, (s) => s.invocations[0]!.ms)),
    formatMs(med(r, (s) => s.sdkMs - s.sdkAtRequireMs)),
    formatMs(med(r, (s) => s.invocations[0]!.ms - (s.sdkMs - s.sdkAtRequireMs))),
    formatMs(med(r, (s) => s.invocations[1]!.ms)),
    formatMs(med(r, codeLoadOf)),
    r === hello ? '' : r === dynamo ? '1x' : formatRatio(ratio(r, dynamo, codeLoadOf)),
  ]);
  log(`\n${textTable(initHeader, initRows)}\n\n${textTable(splitHeader, splitRows)}\n`);

  const worst = [...functions].sort((a, b) => ratio(b, hello, initOf) - ratio(a, hello, initOf))[0]!;
  const bundleOnly = functions.map((r) => med(r, (s) => s.requireMs - s.sdkAtRequireMs));
  const sdkLoads = functions.map((r) => med(r, (s) => s.sdkMs));
  return [
    '#### 2. Cold init',
    '',
    `Each sample is a fresh \`node\` (the runner's binary, no tsx, no loader; only \`--require bench/lib/exitWithParent.cjs\`, so that it dies with the runner) with the function's environment as deployed (the template's variables resolved to the emulators, as the packaging test does; \`NODE_PATH\` giving only \`@aws-sdk\`, as the Lambda runtime provides it) and its working directory in the unpacked zip. Inside the child, \`performance.now()\` times \`require(bundle)\` and each invocation; the first event is handled against DynamoDB Local and fauxqs (\`startAwsEmulators()\`, in a process of their own), then a second, similar event in the same process (a warm invocation). The time inside the bundle's \`require('@aws-sdk/...')\` calls is measured apart by wrapping \`Module._load\` in the child. ${runs} cold starts per function, in ${runs} interleaved rounds (the order rotates every round) after ${warmupRounds} discarded warm-up round${warmupRounds === 1 ? '' : 's'}; medians, p90 nearest-rank. Ratios are taken per round, then their median. Baselines (\`bench/fixtures/aws/\`, bundled as above): **hello world** (require + a trivial invocation, the target's baseline) and, for information, **${HELLO_DYNAMO}** (a DynamoDB client made at require, one consistent GetItem per event: the least a function that keeps a task record does).`,
    '',
    markdownTable(initHeader, initRows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    'Where the init goes (medians):',
    '',
    markdownTable(splitHeader, splitRows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    `- **Init** is \`require\` plus the first invocation: all a cold container does before its first answer, except starting Node (the "process start" column adds that: ${formatMs(med(hello, sinceStart))} for the hello world). Against the hello world's ${formatMs(med(hello, initOf))}, the worst function, ${worst.variant.key}, takes ${formatTimes(ratio(worst, hello, initOf))}: target <= ${TARGET_INIT_RATIO}x ${ratio(worst, hello, initOf) <= TARGET_INIT_RATIO ? '**met** by every function' : `**missed**${functions.every((r) => ratio(r, hello, initOf) > TARGET_INIT_RATIO) ? ' by every function' : ''}`}; ${HELLO_DYNAMO} itself is at ${formatTimes(ratio(dynamo, hello, initOf))}.`,
    `- **Loading the AWS SDK is the largest item**: ${formatMs(Math.min(...sdkLoads))} to ${formatMs(Math.max(...sdkLoads))} inside \`require('@aws-sdk/...')\` (the platform function loads the DynamoDB and SQS clients at require; the process functions load the DynamoDB client lazily, on their first event), against ${formatMs(med(dynamo, (s) => s.sdkMs))} for ${HELLO_DYNAMO}. The Sluice bundle itself (require without the SDK) takes ${formatMs(Math.min(...bundleOnly))} to ${formatMs(Math.max(...bundleOnly))}, the hello world's ${formatMs(med(hello, (s) => s.requireMs))}. The rest of the first event is the first requests: new clients, credentials and endpoint resolution, the first connection to each emulator, and code running for the first time (compare the warm second event).`,
    `- **The first AWS requests are part of a real cold start**, and they are in these numbers, but on the emulators they are plain HTTP on 127.0.0.1; on AWS they are TLS connections to regional endpoints (aws-facts.md §3 puts the first HTTPS call to DynamoDB at about 125 ms), so this part is understated here. The "code load, no AWS call" column is the init without them.`,
    `- Measured on Node ${process.version} (this machine's); the functions run on \`nodejs22.x\` (arm64) on Lambda, where module loading and the JIT differ. Absolute milliseconds are this machine's; the ratios are what compares.`,
  ].join('\n');
}

// ---------------------------------------------------------------- requests and cost

interface StepStats {
  requests: Record<string, number>;
  outside: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  indexWriteUnits: number;
  indexReadUnits: number;
  failedWrites: number;
  unreported: number;
  messageBytes: number;
  /** The largest item written, in parts. */
  item: ItemBreakdown | undefined;
  /** Some count differed between repetitions. */
  varied: string[];
}

interface ItemBreakdown {
  /** DynamoDB's item size (what write units are counted on, per 1 KB). */
  bytes: number;
  /** The full record (\`record\` or \`recordGz\`). */
  recordBytes: number;
  summaryBytes: number;
  /** What the \`byProcess\` index stores of it (its keys, the table's key, the projected attributes). */
  indexBytes: number;
}

function itemBreakdown(item: Record<string, AttributeValue>): ItemBreakdown {
  const table = taskTableProperties() as {
    KeySchema: Array<{ AttributeName: string }>;
    GlobalSecondaryIndexes: Array<{ KeySchema: Array<{ AttributeName: string }>; Projection: { NonKeyAttributes?: string[] } }>;
  };
  const projected = new Set([
    ...table.KeySchema.map((k) => k.AttributeName),
    ...table.GlobalSecondaryIndexes.flatMap((i) => [...i.KeySchema.map((k) => k.AttributeName), ...(i.Projection.NonKeyAttributes ?? [])]),
  ]);
  const sizeOf = (names: Set<string>) => itemSize(Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name))));
  return {
    bytes: itemSize(item),
    recordBytes: sizeOf(new Set([TASK_ITEM.record, TASK_ITEM.recordGz])),
    summaryBytes: sizeOf(new Set([TASK_ITEM.summary])),
    indexBytes: sizeOf(projected),
  };
}

const largestOf = (items: Array<ItemBreakdown | undefined>) =>
  items.reduce<ItemBreakdown | undefined>((a, b) => (b !== undefined && (a === undefined || b.bytes > a.bytes) ? b : a), undefined);

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function stepStats(samples: StepCount[]): StepStats {
  const keys = (pick: (s: StepCount) => Record<string, number>) => [...new Set(samples.flatMap((s) => Object.keys(pick(s))))].sort();
  const varied: string[] = [];
  const average = (label: string, values: number[]) => {
    if (new Set(values).size > 1) varied.push(`${label} ${Math.min(...values)}-${Math.max(...values)}`);
    return mean(values);
  };
  const table = (pick: (s: StepCount) => Record<string, number>) =>
    Object.fromEntries(keys(pick).map((k) => [k, average(k, samples.map((s) => pick(s)[k] ?? 0))]));
  return {
    requests: table((s) => s.requests),
    outside: table((s) => s.outside),
    readUnits: average('RCU', samples.map((s) => s.capacity.readUnits)),
    writeUnits: average('WCU', samples.map((s) => s.capacity.writeUnits)),
    indexWriteUnits: mean(samples.map((s) => s.capacity.indexWriteUnits)),
    indexReadUnits: mean(samples.map((s) => s.capacity.indexReadUnits)),
    failedWrites: average('failed writes', samples.map((s) => s.capacity.failedWrites)),
    unreported: mean(samples.map((s) => s.capacity.unreported)),
    messageBytes: Math.max(0, ...samples.flatMap((s) => s.messageBytes)),
    item: largestOf(samples.map((s) => (s.capacity.largestItem ? itemBreakdown(s.capacity.largestItem) : undefined))),
    varied,
  };
}

const DYNAMO_READ = /^DynamoDB\.(Get|BatchGet|Query|Scan|TransactGet)/;
const DYNAMO_WRITE = /^DynamoDB\.(Put|Update|Delete|BatchWrite|TransactWrite)/;
const sumWhere = (counts: Record<string, number>, pattern: RegExp) => Object.entries(counts).reduce((sum, [k, v]) => sum + (pattern.test(k) ? v : 0), 0);

function combine(...parts: StepStats[]): StepStats {
  const add = (pick: (s: StepStats) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const p of parts) for (const [k, v] of Object.entries(pick(p))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const sum = (pick: (s: StepStats) => number) => parts.reduce((a, p) => a + pick(p), 0);
  return {
    requests: add((s) => s.requests),
    outside: add((s) => s.outside),
    readUnits: sum((s) => s.readUnits),
    writeUnits: sum((s) => s.writeUnits),
    indexWriteUnits: sum((s) => s.indexWriteUnits),
    indexReadUnits: sum((s) => s.indexReadUnits),
    failedWrites: sum((s) => s.failedWrites),
    unreported: sum((s) => s.unreported),
    messageBytes: Math.max(...parts.map((p) => p.messageBytes)),
    item: largestOf(parts.map((p) => p.item)),
    varied: parts.flatMap((p) => p.varied),
  };
}

const opsOf = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k.replace(/^(DynamoDB|SQS)\./, '')} x${formatCount(v)}`)
    .join(', ') || 'none';

interface RequestReport {
  markdown: string;
  summary: SummaryRow[];
}

function requestMarkdown(
  counts: Record<Step, StepCount[]>,
  repetitions: number,
  functions: { sync: PackagedFunction; rollup: PackagedFunction; stream: PackagedFunction; platform: PackagedFunction },
  initMs: (key: string) => number,
  log: (m: string) => void,
): RequestReport {
  const s = Object.fromEntries(STEPS.map((step) => [step, stepStats(counts[step])])) as Record<Step, StepStats>;
  const asyncTask = combine(s.submit, s.run);
  const summary: SummaryRow[] = [];
  const dynamoReads = (x: StepStats) => sumWhere(x.requests, DYNAMO_READ);
  const dynamoWrites = (x: StepStats) => sumWhere(x.requests, DYNAMO_WRITE);
  const sends = (x: StepStats) => x.requests['SQS.SendMessage'] ?? 0;
  const sqsBySluice = (x: StepStats) => sumWhere(x.requests, /^SQS\./);

  const syncMet = dynamoWrites(s.sync) === 1;
  const asyncMet = dynamoWrites(asyncTask) <= 2 && sends(asyncTask) <= 1 && sqsBySluice(asyncTask) === sends(asyncTask);
  const pollMet = dynamoReads(s.poll) === 1 && dynamoWrites(s.poll) === 0;
  summary.push(
    { benchmark: 'aws requests', metric: 'sync task: DynamoDB writes', value: formatCount(dynamoWrites(s.sync)), target: '= 1', met: syncMet },
    {
      benchmark: 'aws requests',
      metric: 'async task (submit + run): DynamoDB writes + SQS sends',
      value: `${formatCount(dynamoWrites(asyncTask))} + ${formatCount(sends(asyncTask))}`,
      target: '<= 2 + 1',
      met: asyncMet,
    },
    { benchmark: 'aws requests', metric: 'status poll: DynamoDB reads', value: formatCount(dynamoReads(s.poll)), target: '= 1', met: pollMet },
  );

  const rowOf = (label: string, fn: string, x: StepStats, target: string, met: boolean | undefined, outsideNote: string) => [
    label,
    fn,
    `${formatCount(dynamoReads(x))} / ${formatCount(dynamoWrites(x))}`,
    opsOf(Object.fromEntries(Object.entries(x.requests).filter(([k]) => k.startsWith('DynamoDB.')))),
    `${formatCount(x.readUnits)} / ${formatCount(x.writeUnits)}${x.indexWriteUnits ? ` (${formatCount(x.indexWriteUnits)} to the index)` : ''}${x.failedWrites ? `, ${formatCount(x.failedWrites)} failed conditional write(s)` : ''}`,
    x.item
      ? `${formatBytes(x.item.bytes)}: record ${formatBytes(x.item.recordBytes)}, summary ${formatBytes(x.item.summaryBytes)}; index item ${formatBytes(x.item.indexBytes)}`
      : '',
    opsOf(Object.fromEntries(Object.entries(x.requests).filter(([k]) => k.startsWith('SQS.')))),
    outsideNote || opsOf(x.outside),
    target,
    met === undefined ? '' : met ? 'yes' : '**no**',
  ];
  const header = ['task', 'Sluice function', 'DynamoDB reads / writes', 'DynamoDB operations', 'RCU / WCU consumed', 'largest item written', 'SQS requests by Sluice', 'SQS requests by the producer / event source mapping', 'target', 'met'];
  const rows = [
    rowOf('sync task', functions.sync.key, s.sync, '1 write', syncMet, ''),
    rowOf('async task: submit', functions.platform.key, s.submit, '', undefined, ''),
    rowOf('async task: run (batch of one)', functions.rollup.key, s.run, '', undefined, ''),
    rowOf('**async task: submit + run**', `${functions.platform.key}, ${functions.rollup.key}`, asyncTask, '<= 2 writes + 1 SendMessage', asyncMet, ''),
    rowOf('status poll', functions.platform.key, s.poll, '1 read', pollMet, ''),
    rowOf('duplicate delivery (the async task\'s message again)', functions.rollup.key, s.duplicate, '', undefined, 'not replayed here; as any delivery: ReceiveMessage x1, DeleteMessage x1'),
    rowOf('streaming message (batch of one)', functions.stream.key, s.stream, '', undefined, ''),
    rowOf('schedule firing', functions.rollup.key, s.schedule, '', undefined, 'none (EventBridge invokes the function)'),
  ];
  log(`\n${textTable(header, rows)}\n`);
  const varied = STEPS.flatMap((step) => s[step].varied.map((v) => `${step}: ${v}`));
  const unreported = STEPS.reduce((a, step) => a + s[step].unreported, 0);
  const indexUnits = STEPS.reduce((a, step) => a + s[step].indexWriteUnits + s[step].indexReadUnits, 0);

  // Cost per million tasks.
  const { memoryMb, architecture } = functions.sync;
  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
  const wru = (x: StepStats) => x.writeUnits + x.failedWrites; // a failed conditional write is billed (assumed 1 WRU: items <= 1 KB)
  const sqsBilled = (x: StepStats) => (sumWhere(x.requests, /^SQS\./) + sumWhere(x.outside, /^SQS\./)) * chunks(x.messageBytes);
  const invoke = (fn: PackagedFunction, invocations = 1) => ({ fn: fn.key, invocations, initMs: initMs(fn.key) });
  const asyncWithPoll = combine(s.submit, s.run, s.poll);
  const columns: Array<{ label: string; usage: TaskUsage }> = [
    { label: 'sync task', usage: { httpApiRequests: 1, lambda: [invoke(functions.sync)], sqsRequests: sqsBilled(s.sync), writeUnits: wru(s.sync), readUnits: s.sync.readUnits } },
    {
      label: 'async task + 1 poll',
      usage: {
        httpApiRequests: 2,
        lambda: [invoke(functions.platform, 2), invoke(functions.rollup)],
        sqsRequests: sqsBilled(asyncWithPoll),
        writeUnits: wru(asyncWithPoll),
        readUnits: asyncWithPoll.readUnits,
      },
    },
    { label: 'streaming message', usage: { httpApiRequests: 0, lambda: [invoke(functions.stream)], sqsRequests: sqsBilled(s.stream), writeUnits: wru(s.stream), readUnits: s.stream.readUnits } },
    { label: 'schedule firing', usage: { httpApiRequests: 0, lambda: [invoke(functions.rollup)], sqsRequests: sqsBilled(s.schedule), writeUnits: wru(s.schedule), readUnits: s.schedule.readUnits } },
    {
      label: 'duplicate delivery',
      // The event source mapping receives and deletes the duplicate like any message.
      usage: { httpApiRequests: 0, lambda: [invoke(functions.rollup)], sqsRequests: sqsBilled(s.duplicate) + 2, writeUnits: wru(s.duplicate), readUnits: s.duplicate.readUnits },
    },
  ];
  const lambdaAssumptions = { memoryMb, architecture, durationMs: LAMBDA_DURATION_MS, coldShare: COLD_SHARE };
  const costs = columns.map((c) => costPerMillionTasks(c.usage, lambdaAssumptions));
  const totals = costs.map((lines) => lines.reduce((a, l) => a + l.perMillion, 0));
  const usageRows = [
    ['API Gateway HTTP API requests', ...columns.map((c) => formatCount(c.usage.httpApiRequests))],
    ['Lambda invocations', ...columns.map((c) => formatCount(c.usage.lambda.reduce((a, l) => a + l.invocations, 0)))],
    ['SQS requests (64 KB chunks)', ...columns.map((c) => formatCount(c.usage.sqsRequests))],
    ['DynamoDB WRU', ...columns.map((c) => formatCount(c.usage.writeUnits))],
    ['DynamoDB RRU', ...columns.map((c) => formatCount(c.usage.readUnits))],
  ];
  const costRows = [
    ...costs[0]!.map((line, i) => [`${line.item}, $ per 1M`, ...costs.map((lines) => usd(lines[i]!.perMillion))]),
    ['**total, $ per 1M tasks**', ...totals.map((t) => `**${usd(t)}**`)],
  ];
  summary.push(
    { benchmark: 'aws cost', metric: 'sync task, $ per 1M', value: usd(totals[0]!) },
    { benchmark: 'aws cost', metric: 'async task + 1 poll, $ per 1M', value: usd(totals[1]!) },
  );
  const gbSecond = US_EAST_1.lambdaGbSecond[architecture]!;
  const perInvocation = (memoryMb / 1024) * (LAMBDA_DURATION_MS / 1000) * gbSecond;

  const markdown = [
    '#### 3. AWS requests per task',
    '',
    `The Lambda handlers of the service, built in the runner as each container builds them (\`processDepsFromEnv\` / \`platformDepsFromEnv\` on the same environment as above, then \`createProcessHandler\` / \`createPlatformHandler\`), their SDK clients pointed at the emulators and counted with \`createRequestCounter()\` (every attempt, inside the SDK's retry loop). The handlers make their own \`DynamoTaskStore\` without \`returnConsumedCapacity\`, so an SDK middleware of the benchmark (\`bench/lib/aws/consumedCapacity.ts\`) adds \`ReturnConsumedCapacity: INDEXES\` to every DynamoDB request; ${indexUnits > 0 ? 'DynamoDB Local reports the global secondary index\'s write units too (the "to the index" part; on demand, 1 WCU = 1 WRU, 1 RCU = 1 RRU)' : '**DynamoDB Local reported no index units**: the index writes are missing from the WCU below'}. The benchmark plays API Gateway, EventBridge, the producer and the SQS event source mapping (receive with all attributes, invoke, delete); its requests are counted apart. Each step checks its outcome (status code, no batch item failures, the task \`succeeded\`), ${repetitions} repetition${repetitions === 1 ? '' : 's'}, ${varied.length ? `mean (counts varied: ${varied.join('; ')})` : 'identical counts every time'}.${unreported ? ` ${formatCount(unreported)} successful DynamoDB request(s) per repetition reported no capacity.` : ''}`,
    '',
    markdownTable(header, rows, ['l', 'l', 'r', 'l', 'l', 'l', 'l', 'l', 'l', 'l']),
    '',
    `#### Cost per million tasks (us-east-1, aws-facts.md §1 prices)`,
    '',
    markdownTable(['', ...columns.map((c) => c.label)], [...usageRows, ...costRows], ['l', ...columns.map(() => 'r' as const)]),
    '',
    'Assumptions:',
    '',
    `- Prices: Lambda $0.20 per 1M requests and $${gbSecond} per GB-s (${architecture}); API Gateway HTTP API $1.00 per 1M requests (per 512 KB; every request here is far smaller); SQS standard $0.40 per 1M requests, each 64 KB chunk one request (the largest message here: ${formatBytes(Math.max(...STEPS.map((step) => s[step].messageBytes)))}); DynamoDB on demand $0.625 per 1M WRU, $0.125 per 1M RRU. No free tier, no CloudWatch Logs, no data transfer.`,
    `- Lambda: ${memoryMb} MB ${architecture} (the template's setting), **${LAMBDA_DURATION_MS} ms billed per invocation** (aws-facts.md §5's assumption, not measured: on the emulators an invocation's time is the emulators' latency), i.e. $${(perInvocation * 1e6).toFixed(4)} per 1M invocations of duration. ${formatPercent(COLD_SHARE)} of invocations are cold starts whose INIT is billed (since Aug 2025) at the function's measured median init above.`,
    '- Capacity units are the ones DynamoDB Local reported (table + index). A conditional write that fails reports none but is billed: counted as 1 WRU each (none happened in these steps unless the table says so).',
    `- Async task: submit (${functions.platform.key}, HTTP API) + run (${functions.rollup.key} via the event source mapping, batch of one: 1 ReceiveMessage + 1 DeleteMessage, billed to the account like the SendMessage) + 1 status poll (HTTP API, ${functions.platform.key}). Streaming message: the producer's SendMessage, the mapping's receive and delete, ${functions.stream.key}. Schedule firing: EventBridge scheduled rules are not priced in aws-facts.md; counted as $0. Duplicate delivery: the mapping receives and deletes it like any message (2 SQS requests), the worker runs.`,
    '- Batching: with batches of 10 (the clickstream mapping\'s `batchSize`), the per-message share of the Lambda request and of the receive and delete drops tenfold; the DynamoDB part does not (one task record per message).',
    `- Not included: empty receives while a queue is idle (the event source mapping long-polls continuously: a fixed monthly cost, not per task), retries.`,
  ].join('\n');
  return { markdown, summary };
}

// ---------------------------------------------------------------- run

async function run(ctx: BenchContext): Promise<BenchResult> {
  const { rounds } = ctx.options;
  // 10 cold starts per function by default (3 rounds), 3 with --quick (1 round).
  const coldRuns = Math.max(3, Math.round((rounds * 10) / 3));
  const warmupRounds = rounds > 1 ? 2 : 1;
  const repetitions = Math.max(1, rounds);
  const workDir = ctx.tempDirs.create('aws');
  const summary: SummaryRow[] = [];
  try {
    ctx.log('packaging the service: npm run package (osls serverless package) on a copy in a temp dir');
    const service = await packageService(ctx, workDir, STAGE);
    ctx.log(`  packaged ${service.functions.map((f) => `${f.key} ${formatBytes(f.bundleBytes)} (zip ${formatBytes(f.zipBytes)})`).join(', ')} in ${(service.packagingMs / 1000).toFixed(1)} s`);
    const bundles = await measureBundles(ctx, workDir, service);
    if (bundles.different.length > 0) ctx.log(`  WARNING: rebuilt bundles differ from the packaged ones: ${bundles.different.join(', ')}`);
    const bundleSection = bundleMarkdown(bundles, summary);

    ctx.log('starting the AWS emulators (DynamoDB Local, fauxqs)');
    const stack = await startEmulatedStack(ctx, service.template);
    try {
      const sdkPath = sdkOnlyModules(join(workDir, 'sdk'));
      const variants = coldVariants(service, bundles, stack, sdkPath);
      ctx.log(`cold starts: ${coldRuns} per function after ${warmupRounds} warm-up round(s), ${variants.map((v) => v.key).join(', ')}`);
      const cold = await measureColdStarts(ctx, workDir, variants, coldRuns, warmupRounds);
      const coldSection = coldMarkdown(cold, coldRuns, warmupRounds, summary, ctx.log);
      const initMs = (key: string) => median(cold.find((c) => c.variant.key === key)!.samples.map(initOf));

      ctx.log(`AWS requests per task: ${repetitions} repetition(s) of each step`);
      await stack.purgeQueues();
      const fn = (key: string) => service.functions.find((f) => f.key === key)!;
      const spec = (f: PackagedFunction): HandlerSpec => {
        const env = functionEnvironment(stack, service.template, f.environment);
        // On Lambda the schema and catalog files' paths are relative to /var/task (the bundle); the
        // handlers here run in this process, so point them at the packaged service's copy.
        for (const name of [SLUICE_ENV.inputSchemas, SLUICE_ENV.catalog]) {
          const file = env[name];
          if (file !== undefined && !isAbsolute(file)) env[name] = join(service.serviceDir, file);
        }
        return { key: f.key, logicalId: f.logicalId, handler: f.handler, env };
      };
      const functions = { sync: fn(SYNC_FUNCTION), rollup: fn(ROLLUP_FUNCTION), stream: fn(STREAM_FUNCTION), platform: fn(PLATFORM_FUNCTION) };
      const streamQueue = consumedQueuesOf(service.template, functions.stream.logicalId).find((q) => q !== functions.stream.environment[SLUICE_ENV.taskQueueName])!;
      const counts = await countTaskRequests({
        // The handlers are imported from the fixture itself (the same lib/ as this process), not from the packaged copy.
        repoRoot: join(ctx.repoRoot, DEMO_SHOP),
        stack,
        template: service.template,
        functions: { sync: spec(functions.sync), rollup: spec(functions.rollup), stream: spec(functions.stream), platform: spec(functions.platform) },
        streamQueue,
        rollupTaskQueue: functions.rollup.environment[SLUICE_ENV.taskQueueName] as string,
        repetitions,
      });
      const requests = requestMarkdown(counts, repetitions, functions, initMs, ctx.log);
      summary.push(...requests.summary);

      const tools = ['esbuild', 'serverless-esbuild', 'fauxqs', '@aws-sdk/client-dynamodb'].map((name) => `${name} ${versionOf(ctx.repoRoot, name)}`).join(', ');
      const markdown = [
        `The demo shop's \`serverless.yml\` (\`${DEMO_SHOP}\`, service \`${service.resolved.service}\`, stage \`${STAGE}\`), packaged by \`npm run package\` (osls \`serverless package\`, offline) on a copy in a temp dir, as the packaging test does, in ${(service.packagingMs / 1000).toFixed(1)} s; ${tools}. Functions: ${service.functions.map((f) => f.key).join(', ')} (${functions.sync.memoryMb} MB, ${functions.sync.architecture}, ${service.resolved.provider.runtime}). Emulators: DynamoDB Local and fauxqs from \`startAwsEmulators()\`, in a process of their own.`,
        '',
        bundleSection,
        '',
        coldSection,
        '',
        requests.markdown,
      ].join('\n');
      return { markdown, summary };
    } finally {
      await stack.stop();
    }
  } finally {
    ctx.tempDirs.remove(workDir);
  }
}

function versionOf(repoRoot: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export const awsBenchmark: BenchModule = {
  name: 'aws',
  title: 'AWS runtime: bundle size, cold init, AWS requests and cost per task',
  run,
};
