import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { closestName } from '../config/knownKeys.js';
import { ConfigError } from '../core/errors.js';

export const USAGE = `usage: sluice [--config serverless.yml] [--port 3000] [--dashboard-port 3001|off] [--host 127.0.0.1] [--data-dir .sluice] [--stage dev] [--durability normal|full]

  --config          serverless.yml to serve                      (default serverless.yml)
  --port            TCP port, 0 for any free one                 (env PORT, default 3000)
  --dashboard-port  the dashboard's own port, 0 for any free     (env SLUICE_DASHBOARD_PORT, default --port + 1,
                    one, off for no dashboard                     or 0 when --port is 0)
  --host            interface to listen on                       (env HOST, default 127.0.0.1)
  --data-dir        database and generated API token             (env SLUICE_DATA_DIR, default .sluice)
  --stage           the Serverless stage                         (env SLUICE_STAGE, default provider.stage, else dev)
  --durability      normal: survives crashes; full: power loss   (default normal)
  -h, --help        this text
Environment: SLUICE_API_TOKEN is the control-plane bearer token (at least 16 characters; default: generated into <data-dir>/api-token).`;

/** A command line the CLI cannot use: the message says what, and the usage follows. */
export class CliUsageError extends ConfigError {
  override name = 'CliUsageError';
}

/** What the command line and the environment ask of the embedded runtime. */
export interface CliOptions {
  help: boolean;
  /** Absolute path of serverless.yml. */
  configPath: string;
  port: number;
  /** The dashboard listener's port, 0 for any free one, or off; absent: the runtime's default (`port` + 1, or 0). */
  dashboardPort?: number | 'off';
  host: string;
  /** Absolute. */
  dataDir: string;
  stage?: string;
  durability: 'normal' | 'full';
}

const FLAGS = ['config', 'port', 'dashboard-port', 'host', 'data-dir', 'stage', 'durability', 'help'] as const;

/**
 * Reads `sluice [flags]` and the environment; a flag beats its environment
 * variable. Strict: unknown flags (with the closest known one suggested),
 * positional arguments, missing values and malformed numbers are errors.
 *
 * @param argv the arguments after the script (process.argv.slice(2))
 * @param cwd relative paths resolve against it
 * @throws {CliUsageError}
 */
export function parseCliOptions(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        'dashboard-port': { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        stage: { type: 'string' },
        durability: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError(describeParseError(error as Error & { code?: string }), { cause: error });
  }
  const text = (name: string) => values[name] as string | undefined;

  const port = portOption(text('port'), env.PORT ?? '3000', ['--port', 'PORT']);
  // The dashboard's own origin (see EmbeddedRuntimeOptions.dashboardPort); an empty variable is unset.
  const dashboardText = text('dashboard-port') ?? nonEmpty(env.SLUICE_DASHBOARD_PORT);
  const dashboardPort =
    dashboardText === undefined || dashboardText === 'off'
      ? dashboardText
      : portOption(text('dashboard-port'), dashboardText, ['--dashboard-port', 'SLUICE_DASHBOARD_PORT'], ', or off');
  if (typeof dashboardPort === 'number' && dashboardPort !== 0 && dashboardPort === port) {
    throw new CliUsageError(`the dashboard needs a port of its own: --dashboard-port ${dashboardPort} is the main port`);
  }
  const durability = text('durability') ?? 'normal';
  if (durability !== 'normal' && durability !== 'full') throw new CliUsageError(`--durability must be 'normal' or 'full', got '${durability}'`);
  for (const name of ['config', 'host', 'data-dir', 'stage'] as const) {
    if (text(name) === '') throw new CliUsageError(`--${name} needs a value`);
  }
  const stage = text('stage') ?? nonEmpty(env.SLUICE_STAGE);
  return {
    help: values.help === true,
    configPath: resolve(cwd, text('config') ?? 'serverless.yml'),
    port,
    ...(dashboardPort !== undefined ? { dashboardPort } : {}),
    host: text('host') ?? nonEmpty(env.HOST) ?? '127.0.0.1',
    dataDir: resolve(cwd, text('data-dir') ?? nonEmpty(env.SLUICE_DATA_DIR) ?? '.sluice'),
    ...(stage !== undefined ? { stage } : {}),
    durability,
  };
}

/**
 * A port from a flag, else its environment variable (or default): 0 to 65535, digits only.
 *
 * @param names the flag's and the variable's, for the message
 * @param alternatives what else the option takes, for the message (`, or off`)
 * @throws {CliUsageError}
 */
function portOption(fromFlag: string | undefined, fromEnv: string, names: [flag: string, variable: string], alternatives = ''): number {
  const [flag, variable] = names;
  const portText = fromFlag ?? fromEnv;
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new CliUsageError(`invalid port '${portText}' (from ${fromFlag !== undefined ? flag : variable}): expected a whole number from 0 to 65535${alternatives}`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** node:util's parseArgs messages, made shorter and given a suggestion. */
function describeParseError(error: Error & { code?: string }): string {
  const unknown = /Unknown option '(-{1,2})([^']*)'/.exec(error.message);
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const suggestion = closestName(unknown[2]!, FLAGS);
    return `unknown option '${unknown[1]}${unknown[2]}'${suggestion ? ` (did you mean '--${suggestion}'?)` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `${error.message.replace(/\.$/, '')}: sluice takes only options`;
  }
  return error.message;
}
