/**
 * One Lambda cold start, approximated: a fresh `node` (no tsx, no loader,
 * only the environment given) `require`s an unpacked bundle, as the Lambda
 * Node.js runtime loads a CommonJS handler, and invokes its handler with
 * each event in turn. Timed inside the child with `performance.now()`
 * (milliseconds since the process started), and from outside (spawn to exit).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from '../BenchModule.js';

/**
 * The child's script. Before anything else it wraps `Module._load` to time
 * the bundle's `require('@aws-sdk/...')` calls (outermost only: the SDK's
 * own requires count inside them), so the SDK's load time can be told apart
 * from the rest wherever it happens (at require, or lazily in the first
 * invocation). Prints one `RESULT {json}` line, then exits.
 */
const INVOKER = `'use strict';
const { performance } = require('node:perf_hooks');
const bootMs = performance.now();
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const [file, exportName, eventsFile] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
let sdkMs = 0;
let inSdk = false;
const load = Module._load;
Module._load = function (request) {
  if (inSdk || typeof request !== 'string' || !request.startsWith('@aws-sdk/')) return load.apply(this, arguments);
  inSdk = true;
  const began = performance.now();
  try {
    return load.apply(this, arguments);
  } finally {
    sdkMs += performance.now() - began;
    inSdk = false;
  }
};
const context = (remaining) => {
  const deadline = Date.now() + remaining;
  return {
    functionName: 'bench', functionVersion: '$LATEST', awsRequestId: String(Math.random()),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/bench', logStreamName: 'stream', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
};
(async () => {
  const requireStart = performance.now();
  const handler = require(file)[exportName];
  const requireEnd = performance.now();
  const sdkAtRequireMs = sdkMs;
  if (typeof handler !== 'function') throw new Error(exportName + ' is not a function in ' + file);
  const invocations = [];
  for (const event of events) {
    const began = performance.now();
    let outcome;
    try {
      outcome = { ok: true, value: await handler(event, context(30000)) };
    } catch (error) {
      outcome = { ok: false, error: { name: error && error.name, message: error && error.message } };
    }
    const ended = performance.now();
    invocations.push({ ms: ended - began, endedAtMs: ended, ...outcome });
  }
  const result = { bootMs, requireMs: requireEnd - requireStart, sdkAtRequireMs, sdkMs, invocations };
  process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(3);
});
`;

/** Writes the child's script into `dir`; returns its path. */
export function writeInvoker(dir: string): string {
  const file = path.join(dir, 'coldStartInvoker.cjs');
  writeFileSync(file, INVOKER);
  return file;
}

export interface ColdStartSpec {
  /** For progress output and errors. */
  label: string;
  bundleDir: string;
  bundleFile: string;
  exportName: string;
  /** The child's whole environment (PATH is added). */
  env: Record<string, string>;
  /** The first event, then any more (same process: a warm container). */
  events: readonly unknown[];
}

export type InvocationOutcome = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string } };

export type Invocation = InvocationOutcome & {
  ms: number;
  /** `performance.now()` in the child when it returned: since the process started. */
  endedAtMs: number;
};

export interface ColdStartSample {
  /** Process start to the invoker's first line: Node's bootstrap plus the exit-with-parent preload. */
  bootMs: number;
  /** `require(bundle)`. */
  requireMs: number;
  /** Time inside `require('@aws-sdk/...')` during `require(bundle)`. */
  sdkAtRequireMs: number;
  /** Time inside `require('@aws-sdk/...')` until the last invocation returned. */
  sdkMs: number;
  invocations: Invocation[];
  /** The runner's view: spawn to exit. */
  wallMs: number;
}

let runs = 0;

/** Runs one cold start in a child registered with the runner (it dies with it). */
export async function coldStart(ctx: BenchContext, invoker: string, workDir: string, spec: ColdStartSpec): Promise<ColdStartSample> {
  const eventsFile = path.join(workDir, `events-${++runs}.json`);
  writeFileSync(eventsFile, JSON.stringify(spec.events));
  const began = performance.now();
  const child = ctx.children.start({
    name: `cold start: ${spec.label}`,
    cwd: spec.bundleDir,
    nodeArgs: [invoker, spec.bundleFile, spec.exportName, eventsFile],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
  });
  let json: string;
  try {
    json = (await child.waitForOutput(/^RESULT (.+)$/m, 60_000))[1]!;
  } catch (error) {
    await ctx.children.stop(child, 1_000);
    throw error;
  }
  await child.exited;
  const wallMs = performance.now() - began;
  const result = JSON.parse(json) as Omit<ColdStartSample, 'wallMs'>;
  return { ...result, wallMs };
}
