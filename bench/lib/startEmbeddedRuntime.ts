import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './BenchModule.js';
import type { ManagedChild } from './ChildProcesses.js';
import { freePort } from './freePort.js';
import { waitForHttp } from './waitForHttp.js';

export interface EmbeddedServer {
  child: ManagedChild;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** The dashboard's own listener (another origin; the dashboard is at `/sluice/ui/` under it), e.g. http://127.0.0.1:40124 */
  dashboardUrl: string;
  dataDir: string;
  /** The control-plane bearer token the runtime generated into its data dir. */
  apiToken: string;
  /** Where `--cpu-prof` writes, when profiling (on a graceful stop); see {@link mainThreadProfile}. */
  profileDir?: string;
  /** From spawn to serving, ms. */
  startupMs: number;
  /** Graceful stop, then the data dir is removed. */
  stop(): Promise<void>;
}

export interface StartEmbeddedOptions {
  /** For progress output, temp dir and profile names. */
  label: string;
  /** serverless.yml of the service, relative to the repository. */
  config: string;
  durability?: 'normal' | 'full';
  /** Added to the runner's environment (e.g. what the service's `${env:...}` variables read). */
  env?: Readonly<Record<string, string>>;
  /** A data dir prepared beforehand (from `ctx.tempDirs.create`; removed on stop like a fresh one). @default a fresh one */
  dataDir?: string;
}

/**
 * Starts the embedded runtime the way users do (`npm start` = lib/embedded/cli.ts
 * through tsx), in its own process, on a free port, with a fresh data dir (or `options.dataDir`)
 * (default settings: file database, trackRunning on), and waits until it serves.
 */
export async function startEmbeddedRuntime(ctx: BenchContext, options: StartEmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = options.dataDir ?? ctx.tempDirs.create(options.label);
  const port = await freePort();
  // The dashboard's listener too: its default (port + 1) may be taken on a busy machine.
  let dashboardPort = await freePort();
  while (dashboardPort === port) dashboardPort = await freePort();
  // One directory per run: every thread writes its own profile (`--import tsx` adds a module hooks thread).
  const profileDir = ctx.options.cpuProf ? join(ctx.options.profileDir, `${options.label}-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
  // No SLUICE_API_TOKEN from the caller's shell: the runtime generates one into the data dir.
  const { SLUICE_API_TOKEN: _token, ...env } = process.env;
  const child = ctx.children.start({
    name: `embedded runtime (${options.label})`,
    cwd: ctx.repoRoot,
    nodeArgs: [
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      '--import',
      'tsx',
      'lib/embedded/cli.ts',
      '--config',
      options.config,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--dashboard-port',
      String(dashboardPort),
      '--data-dir',
      dataDir,
      ...(options.durability ? ['--durability', options.durability] : []),
    ],
    env: { ...env, ...options.env },
  });
  const url = `http://127.0.0.1:${port}`;
  const spawnedAt = Date.now();
  try {
    await waitForHttp(`${url}/sluice/health`, child);
  } catch (error) {
    await ctx.children.stop(child);
    ctx.tempDirs.remove(dataDir);
    throw error;
  }
  const apiToken = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  return {
    child,
    url,
    dashboardUrl: `http://127.0.0.1:${dashboardPort}`,
    dataDir,
    apiToken,
    startupMs: Date.now() - spawnedAt,
    ...(profileDir ? { profileDir } : {}),
    async stop() {
      const exit = await ctx.children.stop(child, 30_000);
      if (exit.code !== 0) ctx.log(`  warning: ${child.name} exited with code ${exit.code} signal ${exit.signal}:\n${child.outputTail()}`);
      ctx.tempDirs.remove(dataDir);
    },
  };
}

/**
 * The main thread's profile in a `--cpu-prof` directory: Node names them
 * `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`, thread 0 being the main thread.
 */
export function mainThreadProfile(profileDir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(profileDir);
  } catch {
    return undefined;
  }
  const main = files.find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return main ? join(profileDir, main) : undefined;
}
