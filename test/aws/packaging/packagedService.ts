/**
 * Helpers for the packaging tests: run `npm run package`'s script on a copy
 * of the repository, read the CloudFormation it wrote, and run a function's
 * bundle in a fresh Node process the way Lambda would.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import type { AwsEmulatorEndpoints } from '../../setup/awsEmulators.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Not part of a service: dependencies (linked instead), VCS, build and run outputs, tests. */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', '.cache', '.sluice', 'coverage', 'test', 'bench']);

/**
 * The service the AWS tests and benchmarks package: the demo shop, whose
 * functions need nothing but the task table and queues (the repository's own
 * examples need a warehouse and file connections).
 */
export const DEMO_SHOP = 'test/fixtures/demo-shop';

/**
 * Copies the service (what `serverless package` reads) into `dir`, with
 * node_modules linked. Packaging a copy keeps serverless-esbuild's work
 * folder (`.esbuild/` next to serverless.yml) away from anyone packaging
 * the repository itself at the same moment.
 *
 * @param service a directory of the repository holding `serverless.yml` and
 *   `functions/` that take the place of the root's in the copy (default
 *   {@link DEMO_SHOP}); `.` packages the repository's own service
 */
export function copyService(dir: string, service: string = DEMO_SHOP): void {
  const overlay = path.resolve(REPO, service);
  const replaced = overlay === REPO ? new Set<string>() : new Set(['functions', 'serverless.yml']);
  cpSync(REPO, dir, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(REPO, source);
      const top = relative.split(path.sep)[0]!;
      return relative === '' || (!NOT_COPIED.has(top) && !replaced.has(top) && !top.endsWith('.log'));
    },
  });
  if (replaced.size > 0) {
    cpSync(path.join(overlay, 'serverless.yml'), path.join(dir, 'serverless.yml'));
    copyFunctions(path.join(overlay, 'functions'), path.join(dir, 'functions'), dir);
  }
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

/**
 * Copies a fixture's function files to the service root of the copy, their
 * relative imports of the repository (`../../../../lib/index.js`) rewritten to
 * the same files from the new place (`../lib/index.js`).
 */
function copyFunctions(from: string, to: string, copyRoot: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const source = path.join(entry.parentPath, entry.name);
    const target = path.join(to, path.relative(from, source));
    mkdirSync(path.dirname(target), { recursive: true });
    const text = readFileSync(source, 'utf8').replace(/(from\s+['"])(\.{1,2}\/[^'"]+)(['"])/g, (whole, open: string, specifier: string, close: string) => {
      const imported = path.resolve(path.dirname(source), specifier);
      if (!path.relative(from, imported).startsWith('..')) return whole;
      const moved = path.join(copyRoot, path.relative(REPO, imported));
      const relative = path.relative(path.dirname(target), moved).split(path.sep).join('/');
      return `${open}${relative.startsWith('.') ? relative : `./${relative}`}${close}`;
    });
    writeFileSync(target, text);
  }
}

/**
 * Runs `npm run package`'s script in `serviceDir` (plain `node --import tsx`,
 * as package.json does), without any AWS credentials in the environment:
 * the script must supply its own. `extraEnv` adds (or, with undefined, removes) variables.
 */
export async function runPackageScript(serviceDir: string, args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<{ output: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_')) env[name] = value;
  // What the service's variables read (`${env:...}`); undefined removes one.
  for (const [name, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/package.ts', ...args], { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ output }) : reject(new Error(`npm run package exited with ${code}:\n${output}`))));
  });
}

/** Extracts a zip with the system `unzip`. */
export async function unzip(zipFile: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  try {
    await promisify(execFile)('unzip', ['-q', '-o', zipFile, '-d', into]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the packaging tests need the `unzip` command (apt-get install unzip)', { cause: error });
    throw error;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Template = { Resources: Record<string, { Type: string; Properties: any; DependsOn?: unknown }> };

export function readTemplate(packageDir: string): Template {
  return JSON.parse(readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

/**
 * A directory for NODE_PATH that makes `@aws-sdk/*` (and nothing else)
 * resolvable, as the Lambda Node.js runtime does: the bundles leave the SDK
 * out. The SDK's own dependencies resolve from its real location.
 */
/** The emulator queues that stand for the template's queues. */
export interface EmulatorQueues {
  /** Queue name -> URL on the emulator. */
  queueUrls: Record<string, string>;
  /** What a task queue's URL is its name appended to. */
  queueUrlPrefix: string;
}

/**
 * A function's environment as deployed, its CloudFormation values resolved
 * to the emulators' resources, plus what points the AWS SDK at the
 * emulators (SDK v3 reads `AWS_ENDPOINT_URL_<SERVICE>`). Shared by the
 * packaging test and the AWS benchmark.
 */
export function emulatorEnvironment(
  endpoints: AwsEmulatorEndpoints,
  template: Template,
  variables: Record<string, unknown>,
  queues: EmulatorQueues,
): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: endpoints.sqsEndpoint,
  };
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value === 'string') {
      env[name] = value;
      continue;
    }
    const ref = (value as { Ref?: string }).Ref;
    const resource = ref === undefined ? undefined : template.Resources[ref];
    if (resource?.Type === 'AWS::DynamoDB::Table') env[name] = resource.Properties.TableName as string;
    else if (resource?.Type === 'AWS::SQS::Queue') env[name] = queues.queueUrls[resource.Properties.QueueName as string]!;
    else if (name === SLUICE_ENV.queueUrlPrefix) env[name] = queues.queueUrlPrefix;
    else throw new Error(`cannot resolve the variable ${name}: ${JSON.stringify(value)}`);
  }
  return env;
}

export function sdkOnlyModules(dir: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules', '@aws-sdk'), path.join(dir, '@aws-sdk'), 'dir');
  return dir;
}

const INVOKER = `'use strict';
// Loads a bundled handler with require (as the Lambda runtime loads a CommonJS
// handler) and invokes it with each event in turn, in this one process: one container.
const { readFileSync, writeFileSync } = require('node:fs');
const [file, exportName, eventsFile, resultFile] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const handler = require(file)[exportName];
const context = (remaining) => {
  const deadline = Date.now() + remaining;
  return {
    functionName: 'packaged', functionVersion: '$LATEST', awsRequestId: String(Math.random()),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:packaged', memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/packaged', logStreamName: 'stream', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
};
(async () => {
  const results = [];
  if (typeof handler !== 'function') throw new Error(exportName + ' is not a function in ' + file);
  for (const event of events) {
    try {
      results.push({ ok: true, value: await handler(event, context(30000)) });
    } catch (error) {
      results.push({ ok: false, error: { name: error.name, message: error.message } });
    }
  }
  writeFileSync(resultFile, JSON.stringify(results));
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(3);
});
`;

export type InvokeResult = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string } };

let invocations = 0;

/**
 * Runs `handler` (`file.export`, as in serverless.yml) of an unpacked bundle
 * in a fresh `node` (no tsx, no loader), with only `env` (plus PATH), and
 * returns what each event returned or threw.
 */
export async function invokeBundle(workDir: string, bundleDir: string, handler: string, env: Record<string, string>, events: unknown[]): Promise<InvokeResult[]> {
  const dot = handler.lastIndexOf('.');
  const file = path.join(bundleDir, `${handler.slice(0, dot)}.js`);
  if (!existsSync(file)) throw new Error(`no bundled handler file ${file}`);
  const id = ++invocations;
  const invoker = path.join(workDir, 'invoke.cjs');
  if (!existsSync(invoker)) writeFileSync(invoker, INVOKER);
  const eventsFile = path.join(workDir, `events-${id}.json`);
  const resultFile = path.join(workDir, `result-${id}.json`);
  writeFileSync(eventsFile, JSON.stringify(events));
  try {
    await promisify(execFile)(process.execPath, [invoker, file, handler.slice(dot + 1), eventsFile, resultFile], {
      cwd: bundleDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      timeout: 60_000,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`the bundle ${handler} failed to run:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
  return JSON.parse(readFileSync(resultFile, 'utf8')) as InvokeResult[];
}
