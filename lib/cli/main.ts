/**
 * `sluice <command>`: the command line of Sluice (bin/sluice.mjs loads it).
 *
 * A thin commander program: one file per command group under commands/,
 * every platform call through {@link PlatformClient}. Data goes to stdout
 * (tables, or JSON with --json), diagnostics and progress bars to stderr.
 * Exit codes: exitCodes.ts (and `sluice --help`).
 */
import { Command, CommanderError } from 'commander';
import { SLUICE_VERSION } from '../platform/sluiceVersion.js';
import { CliError } from './CliError.js';
import { dashboardCommand } from './commands/dashboardCommand.js';
import { dlqCommand } from './commands/dlqCommand.js';
import { eventsCommands } from './commands/eventsCommands.js';
import { invokeCommand } from './commands/invokeCommand.js';
import { kvCommand } from './commands/kvCommand.js';
import { startCommand } from './commands/startCommand.js';
import { tasksCommands } from './commands/tasksCommands.js';
import { tokenCommand } from './commands/tokenCommand.js';
import { triggersCommand } from './commands/triggersCommand.js';
import { actionResult } from './commandContext.js';
import { EXIT_CODES_HELP, ExitCode } from './exitCodes.js';
import { liftDashedIds } from './liftDashedIds.js';
import { wantsColor } from './Output.js';
import pc from 'picocolors';

const TARGETS_HELP = `Targets:
  The embedded runtime by default: http://127.0.0.1:$PORT (3000), token from --token, SLUICE_API_TOKEN
  or <data-dir>/api-token (--data-dir, SLUICE_DATA_DIR, .sluice). Any deployment with --url (or SLUICE_URL);
  on AWS (an *.execute-api.<region>.amazonaws.com URL, or --aws) requests are signed with SigV4 using the
  standard AWS credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO…). Colours are off without a TTY or with NO_COLOR.`;

/** Builds the program; `onStarted` tells main that `start` runs a server and must not be exited. */
export function buildProgram(onStarted: () => void = () => {}): Command {
  const program = new Command('sluice')
    .description('Sluice: data processes as serverless functions — run, watch and operate them')
    .version(SLUICE_VERSION, '-V, --version')
    .showHelpAfterError('(sluice <command> --help for its options)')
    .exitOverride();
  program.addHelpText('after', `\n${TARGETS_HELP}\n\n${EXIT_CODES_HELP}`);
  startCommand(program, onStarted);
  invokeCommand(program);
  tasksCommands(program);
  triggersCommand(program);
  eventsCommands(program);
  dlqCommand(program);
  kvCommand(program);
  tokenCommand(program);
  dashboardCommand(program, onStarted);
  return program;
}

/**
 * Runs a command line and exits with its code (see exitCodes.ts), except
 * `sluice start`, which keeps serving until a signal.
 */
export async function main(argv: readonly string[]): Promise<void> {
  let serving = false;
  const program = buildProgram(() => (serving = true));
  let code: number = ExitCode.ok;
  try {
    await program.parseAsync(liftDashedIds(argv, program), { from: 'user' });
    code = actionResult.exitCode;
  } catch (error) {
    code = report(error);
  }
  if (serving) return;
  process.exit(code);
}

function report(error: unknown): number {
  const color = pc.createColors(wantsColor(process.stderr, process.env));
  if (error instanceof CommanderError) {
    // commander already printed the message (and the usage hint).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' || error.exitCode === 0) return ExitCode.ok;
    return ExitCode.usage;
  }
  if (error instanceof CliError) {
    process.stderr.write(`${color.red('sluice:')} ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${color.red('sluice: unexpected error (a bug; please report it):')}\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.internal;
}
