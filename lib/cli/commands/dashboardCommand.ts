import type { Command } from 'commander';
import { CliError } from '../CliError.js';
import { integerOption, withTarget } from '../commandContext.js';
import { ExitCode } from '../exitCodes.js';
import { resolveTarget, type TargetOptions } from '../resolveTarget.js';

/**
 * `sluice dashboard [--port N] [--url … --aws --region …]`: the dashboard of
 * a deployment whose API a browser cannot call itself — on AWS the platform
 * API is IAM-authorized and a browser holds no AWS credentials. Starts
 * `startDashboardProxy` on 127.0.0.1: it serves the built dashboard
 * (`DashboardAssets`, dist/ui) and forwards the dashboard's `/sluice/*`
 * calls signed with SigV4 from the standard credential chain (or with the
 * target's bearer token). Prints the address and this run's sign-in token
 * on stdout; runs until Ctrl-C. Checks the target answers `GET
 * /sluice/health` first and warns on stderr when it does not. (The embedded runtime serves the dashboard
 * itself at `/sluice/ui`: no proxy needed there.)
 *
 * Exit code 64 when the dashboard is not built (`npm run build:ui`) or the
 * target cannot be used.
 */
export function dashboardCommand(program: Command, onStarted: () => void): void {
  withTarget(
    program
      .command('dashboard')
      .description('serve the dashboard locally for a deployment (AWS: calls signed with SigV4); prints its URL and sign-in token')
      .option('--port <port>', 'local port on 127.0.0.1; 0: any free one', integerOption(0, 65_535), 0),
    { json: false },
  ).action(async (options: TargetOptions & { port: number }) => {
    // Loaded here: the proxy and the file lookup are this command's alone.
    const [{ startDashboardProxy }, { DashboardAssets }] = await Promise.all([import('../DashboardProxy.js'), import('../../platform/DashboardAssets.js')]);
    const assets = new DashboardAssets();
    const probe = await assets.lookup('/sluice/ui/');
    if (probe.kind === 'unbuilt') throw new CliError(probe.message, ExitCode.usage);
    const target = resolveTarget(options, process.env, process.cwd());
    // Started anyway (the target may come up later), but said at once: otherwise every view just shows errors.
    const unreachable = await healthProblem(target.url);
    if (unreachable) process.stderr.write(`warning: ${unreachable}; the dashboard will show errors until it answers\n`);
    let proxy;
    try {
      proxy = await startDashboardProxy({ target, assets: (path) => assets.respond(path), port: options.port });
    } catch (error) {
      // The proxy's own refusal of the target URL (a query or fragment would swallow every path).
      if (error instanceof RangeError) throw new CliError(`--url: ${error.message}`, ExitCode.usage, { cause: error });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') throw new CliError(`cannot listen on 127.0.0.1:${options.port}: ${code === 'EADDRINUSE' ? 'the port is taken' : 'permission denied'} (choose another with --port, or 0 for any free one)`, ExitCode.usage, { cause: error });
      throw error;
    }
    onStarted();
    process.stdout.write(`dashboard: ${proxy.url}/sluice/ui/  (for ${target.url}, ${target.kind === 'sigv4' ? `SigV4, ${target.region}` : 'bearer token'})\ntoken: ${proxy.token}\n`);
    const stop = () => void proxy.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Whether the target answers `GET /sluice/health` (public on both runtimes:
 * no token, no signature) within 5 s; a sentence saying what is wrong, or
 * undefined when it does.
 */
async function healthProblem(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/sluice/health`, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.ok ? undefined : `GET ${url}/sluice/health answered ${response.status}: is ${url} a Sluice runtime?`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return `no Sluice runtime answers at ${url} (${cause})`;
  }
}
