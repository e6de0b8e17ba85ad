import { type Command, InvalidArgumentError } from 'commander';
import { Output } from './Output.js';
import { PlatformClient } from './PlatformClient.js';
import { resolveTarget, type TargetOptions } from './resolveTarget.js';

/** What every API command's action gets: the client for its target and where to write. */
export interface CommandContext {
  client: PlatformClient;
  out: Output;
}

/**
 * Adds the target options (`--url`, `--token`, `--data-dir`, `--aws`,
 * `--region`) and `--json` to a command. They are declared on each command,
 * not on the program, so `sluice start --data-dir x` reaches the runtime.
 */
export function withTarget(command: Command, { json = true } = {}): Command {
  command
    .option('--url <url>', 'the platform API (env SLUICE_URL; default http://127.0.0.1:$PORT or 3000)')
    .option('--token <token>', 'the embedded runtime\'s API token (env SLUICE_API_TOKEN; default <data-dir>/api-token)')
    .option('--data-dir <dir>', 'the embedded runtime\'s data directory, for its api-token (env SLUICE_DATA_DIR; default .sluice)')
    .option('--aws', 'sign requests with AWS SigV4 (automatic for *.execute-api.<region>.amazonaws.com URLs)')
    .option('--region <region>', 'AWS region for SigV4 (default: from the URL, AWS_REGION)');
  if (json) command.option('--json', 'print JSON (for scripts) instead of tables');
  return command;
}

/** The client and output of a command, from its parsed options. */
export function contextOf(options: TargetOptions & { json?: boolean }): CommandContext {
  return { client: new PlatformClient(resolveTarget(options, process.env, process.cwd())), out: new Output(options.json === true) };
}

/** commander parser: a whole number within bounds. */
export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return Number(value);
  };
}

/** commander parser: JSON text. */
export function jsonOption(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
}

/**
 * commander parser: an instant, ISO-8601 (`2026-11-29`, `2026-11-29T10:00:00Z`)
 * or relative to now (`90s`, `15m`, `2h`, `7d`), returned as ISO-8601 UTC.
 */
export function instantOption(value: string, now = Date.now()): string {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * unit).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new InvalidArgumentError('expected ISO-8601 (2026-11-29, 2026-11-29T10:00:00Z) or an age (90s, 15m, 2h, 7d)');
  return new Date(time).toISOString();
}

/** "2026-11-29T10:00:00.000Z" → "2026-11-29 10:00:00" (UTC, to the second). */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

/** Milliseconds between two instants, for people ("1.2s", "3m04s"). */
export function duration(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  const ms = Date.parse(to) - Date.parse(from);
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}

/** The exit code the last action asked for (commander drops what actions return). */
export const actionResult: { exitCode: number } = { exitCode: 0 };

/**
 * Wraps an action that may return an exit code (0–2 for how tasks ended),
 * so main can exit with it.
 */
export function exitingWith<A extends unknown[]>(action: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args) => {
    const code = await action(...args);
    if (typeof code === 'number') actionResult.exitCode = code;
  };
}
