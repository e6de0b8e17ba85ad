import Table from 'cli-table3';
import pc from 'picocolors';
import type { TaskStatus } from '../core/task/TaskRecord.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour a stream: never with `NO_COLOR` set (no-color.org: any
 * non-empty value) or when the stream is not a terminal (a pipe, a file, a
 * test), unless `FORCE_COLOR` asks for it. picocolors' own guess also turns
 * colours on under `CI`, which would put escape codes into captured logs.
 */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * Where a command writes: data to stdout (a table for people, JSON with
 * `--json`), diagnostics and progress to stderr, so `sluice tasks --json | jq`
 * only ever sees JSON.
 */
export class Output {
  readonly color: Colors;
  readonly errColor: Colors;
  readonly interactive: boolean;

  constructor(
    readonly json: boolean,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.color = pc.createColors(wantsColor(stdout, env));
    this.errColor = pc.createColors(wantsColor(stderr, env));
    this.interactive = stderr.isTTY === true;
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** A note for people on stderr (never in the way of the data on stdout). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.errColor.yellow(text)}\n`);
  }

  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A table with a bold header; no borders, so it copies and greps well. */
  table(head: string[], rows: Array<Array<string | number | undefined>>): void {
    const table = new Table({
      head: head.map((h) => this.color.bold(h)),
      // cli-table3 colours headers and borders itself (through @colors/colors) unless told not to.
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
      chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '' },
    });
    for (const row of rows) table.push(row.map((cell) => (cell === undefined ? '' : String(cell))));
    this.line(table.toString().split('\n').map((l) => l.trimEnd()).join('\n'));
  }

  status(status: TaskStatus | string): string {
    switch (status) {
      case 'succeeded':
        return this.color.green(status);
      case 'failed':
      case 'timed_out':
        return this.color.red(status);
      case 'running':
        return this.color.cyan(status);
      default:
        return this.color.dim(status);
    }
  }
}
