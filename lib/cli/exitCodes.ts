/**
 * The exit codes of `sluice` (documented in `sluice --help` and the README).
 * 0–2 say how a task ended, so a script can `sluice task <id> --follow && next`;
 * the others say why the CLI itself could not do what was asked.
 */
export const ExitCode = {
  /** Done; a followed or awaited task succeeded. */
  ok: 0,
  /** A task failed (for many tasks: at least one failed or could not be submitted). */
  taskFailed: 1,
  /** A task timed out (and none failed). */
  taskTimedOut: 2,
  /** The API refused the request: 400 (invalid input), 404 (unknown process, task, trigger, key), 409 (conflict). */
  refused: 3,
  /** Not authenticated or not allowed: 401 / 403. */
  unauthorized: 4,
  /** No Sluice API reachable at the URL (connection refused, DNS, TLS). */
  unreachable: 5,
  /** The API failed: 5xx, or an answer the CLI cannot read. */
  serverError: 6,
  /** A command line the CLI cannot use (unknown command or option, bad value); as sysexits' EX_USAGE. */
  usage: 64,
  /** A bug in the CLI (the stack is printed); as sysexits' EX_SOFTWARE. */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The `--help` epilogue listing them. */
export const EXIT_CODES_HELP = `Exit codes:
  0   done; the task succeeded (invoke, task --follow, --wait)
  1   the task failed (several tasks: at least one failed or was not submitted)
  2   the task timed out
  3   refused by the API (invalid input, unknown process/task/trigger/key, conflict)
  4   not authenticated (give --token, SLUICE_API_TOKEN or --data-dir; on AWS, credentials)
  5   no Sluice API at the URL (start one with \`sluice start\`)
  6   the API failed (5xx)
  64  unusable command line
  70  a bug in the CLI`;
