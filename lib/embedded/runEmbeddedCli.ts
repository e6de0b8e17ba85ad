/**
 * The embedded runtime's command line, shared by `npm start` (lib/embedded/cli.ts)
 * and `sluice start` (lib/cli/commands/startCommand.ts).
 *
 *   [--config serverless.yml] [--port 3000] [--dashboard-port 3001|off] [--host 127.0.0.1]
 *   [--data-dir .sluice] [--stage dev] [--durability normal|full]
 *
 * Environment: PORT, SLUICE_DASHBOARD_PORT, HOST, SLUICE_DATA_DIR, SLUICE_STAGE, SLUICE_API_TOKEN
 * (flags win). See parseCliOptions.ts for the rules.
 *
 * SIGTERM or SIGINT drains (running tasks finish or are released) and exits 0;
 * another signal more than 1 s after the first exits at once (1). package.json's
 * start script `exec`s node, so npm's forwarded signals reach it directly.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDashboardRoot } from '../platform/DashboardAssets.js';
import { EmbeddedRuntime } from './runtime/EmbeddedRuntime.js';
import { API_TOKEN_FILE } from './runtime/resolveApiToken.js';
import { DEV_JWT_KEY_FILE } from './runtime/resolveDevJwtKey.js';
import { devIssuerAuthorizers } from '../config/httpAuthorizers.js';
import type { RouteAuthorizer } from '../config/httpAuthorizers.js';
import { consoleRuntimeLog } from './runtime/RuntimeLog.js';
import { describeConnection } from '../config/connections/describeConnection.js';
import { CliUsageError, parseCliOptions, USAGE } from './parseCliOptions.js';

/** Signals closer together than this (ms) are one request to stop, delivered twice (see runEmbeddedCli's shutdown). */
const SAME_SIGNAL_MS = 1000;

/**
 * Runs the embedded runtime for a command line (the arguments after the
 * script, or after `sluice start`) until SIGTERM/SIGINT; `sluice start` and
 * `npm start` share it, so their options and behaviour cannot drift.
 *
 * @throws {CliUsageError} a command line it cannot use (the caller prints USAGE and exits 2)
 */
export async function runEmbeddedCli(argv: readonly string[]): Promise<void> {
  const options = parseCliOptions(argv, process.env, process.cwd());
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { configPath, dataDir, host, port, dashboardPort, durability, stage } = options;

  const log = consoleRuntimeLog();
  const runtime = await EmbeddedRuntime.start({
    configPath,
    dataDir,
    host,
    port,
    ...(dashboardPort !== undefined ? { dashboardPort } : {}),
    durability,
    log,
    ...(stage ? { stage } : {}),
  });
  printBanner(runtime, { dataDir, configPath });

  // A second signal exits at once, unless it is the first one delivered twice: `npm start` execs this
  // process and forwards the signals it gets, so a Ctrl-C arrives from the terminal and from npm together.
  let firstSignalAt: number | undefined;
  const shutdown = (signal: string) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    log.info(`${signal}: draining (running tasks finish or are released for retry)`);
    runtime.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error('stop failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function printBanner(runtime: EmbeddedRuntime, { dataDir, configPath }: { dataDir: string; configPath: string }): void {
  const out: string[] = [];
  const { manifest } = runtime;
  out.push(`Sluice embedded runtime: service '${manifest.service}' (stage ${manifest.stage}) on ${runtime.url}`);
  out.push(`  data: ${dataDir}`);
  out.push(`  control plane: ${runtime.url}/sluice  (Authorization: Bearer <token>; token in ${process.env.SLUICE_API_TOKEN ? 'SLUICE_API_TOKEN' : `${dataDir}/${API_TOKEN_FILE}`})`);
  const built = existsSync(join(defaultDashboardRoot(), 'index.html'));
  const { dashboardUrl } = runtime;
  // Its own port: another origin than the process routes', which must not reach the token the dashboard keeps.
  if (dashboardUrl === undefined) out.push('  dashboard: off (--dashboard-port off)');
  else out.push(`  dashboard: ${dashboardUrl}/sluice/ui/  ${built ? '(sign in with the same token)' : '(not built: run `npm run build:ui`)'}`);
  const dev = devIssuerAuthorizers(manifest.authorizers, manifest.settings.authorizers);
  if (dev.length > 0) {
    // The flags `sluice token` needs to find this data directory and service when they are not its defaults.
    const flags = [dataDir !== resolve('.sluice') ? ` --data-dir ${dataDir}` : '', configPath !== resolve('serverless.yml') ? ` --config ${configPath}` : ''].join('');
    out.push(`  protected routes (JWT ${dev.map((a) => `'${a.name}'`).join(', ')}, dev issuer: keys in ${dataDir}/${DEV_JWT_KEY_FILE}):`);
    out.push(`    curl -H "Authorization: Bearer $(npx sluice token${flags})" ...`);
  }
  for (const connection of manifest.connections) out.push(`  connection ${connection.name}  (${connection.type})  ${describeConnection(connection)}`);
  const upcoming = new Map(runtime.upcomingSchedules().map((u) => [u.rule, u.next]));
  for (const p of runtime.processes) {
    out.push(`  process ${p.manifest.name}  (timeout ${p.manifest.timeoutSeconds}s${p.manifest.taskQueue ? `, task queue ${p.manifest.taskQueue}` : ''})`);
    if (p.manifest.connections.length > 0) out.push(`    uses      ${p.manifest.connections.join(', ')}`);
    for (const r of p.manifest.http) out.push(`    http      ${r.method.padEnd(6)} ${runtime.url}${r.path}${r.authorizer ? `  (${describeAuthorizer(r.authorizer)})` : ''}`);
    for (const q of p.manifest.queues) out.push(`    queue     ${q.queue} (batch ${q.batchSize}${q.enabled ? '' : ', disabled'})  feed: POST ${runtime.url}/sluice/queues/${q.queue}/messages`);
    for (const s of p.manifest.schedules) {
      const next = upcoming.get(s.rule);
      out.push(`    schedule  ${s.expression}  ${s.enabled ? (next ? `next ${new Date(next).toISOString()}` : 'no future run') : 'disabled'}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function describeAuthorizer(authorizer: RouteAuthorizer): string {
  switch (authorizer.kind) {
    case 'jwt':
      return `JWT ${authorizer.name}${authorizer.scopes.length > 0 ? `, scope ${authorizer.scopes.join(' | ')}` : ''}`;
    case 'request':
      return `Lambda authorizer ${authorizer.name}`;
    case 'iam':
      return 'IAM, SigV4';
  }
}

/** Prints why the start-up failed and exits: 2 with the usage for a command line it cannot use, else 1. */
export function exitOnStartFailure(error: unknown): never {
  process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
  // A command line it cannot use: exit 2 with the usage, as command-line tools do.
  if (error instanceof CliUsageError) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  process.exit(1);
}

