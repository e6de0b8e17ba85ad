import { ExitCode } from './exitCodes.js';

/**
 * An error the CLI reports as one line on stderr (`sluice: <message>`) and
 * exits with `exitCode`; anything else is a bug and gets its stack.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The platform API answered with an error status.
 * `body` is its JSON `{ error, message, issues? }` when it sent one.
 */
export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    message: string,
    exitCode: ExitCode,
    readonly status: number,
    readonly body: { error?: string; message?: string; issues?: Array<{ path: string; message: string }> } | undefined,
  ) {
    super(message, exitCode);
  }
}

/** A command line that parses but cannot be used (two exclusive options, a malformed value). */
export class CliUsageProblem extends CliError {
  override name = 'CliUsageProblem';
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}
