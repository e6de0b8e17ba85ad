import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { LogEntry, TaskRecord, TerminalStatus } from '../../core/task/TaskRecord.js';
import { CliError, CliUsageProblem } from '../CliError.js';
import { contextOf, exitingWith, integerOption, withTarget, type CommandContext } from '../commandContext.js';
import { ExitCode } from '../exitCodes.js';
import { mapConcurrent } from '../mapConcurrent.js';
import type { Output } from '../Output.js';
import { Progress } from '../Progress.js';
import { exitCodeOf, exitCodeOfAll, followTask, waitForTasks } from '../waitForTasks.js';

interface InvokeOptions {
  data?: string;
  async?: boolean;
  wait?: boolean;
  idempotencyKey?: string;
  concurrency: number;
  json?: boolean;
}

/** What became of one line of a .jsonl file. */
type Submission = { line: number; taskId: string } | { line: number; error: string };

/** One payload to submit, with the line it came from (a .jsonl file), for error messages. */
interface Payload {
  line?: number;
  value: unknown;
}

export function invokeCommand(program: Command): void {
  withTarget(
    program
      .command('invoke <process>')
      .description('run a process as a task (POST /sluice/tasks) and wait for its result')
      .option('--data <json|@file>', 'the payload (default {}): JSON, @file.json, @file.jsonl (one task per line) or @- (stdin)')
      .option('--async', 'return once submitted: print the task id(s)')
      .option('--wait', 'with --async: submit everything, then wait for every task (progress bar)')
      .option('--idempotency-key <key>', 'resending the same key returns the same task (with a .jsonl file: <key>-<line>)')
      .option('--concurrency <n>', 'submissions in flight for a .jsonl file', integerOption(1, 256), 8)
      .addHelpText('after', '\nExit: 0 succeeded, 1 failed (or a line not submitted), 2 timed out; with --async and no --wait, 0 once submitted.'),
  ).action(exitingWith(async (process: string, options: InvokeOptions) => invoke(contextOf(options), process, options)));
}

async function invoke(context: CommandContext, process: string, options: InvokeOptions): Promise<ExitCode> {
  const { payloads, many } = readPayloads(options.data);
  const wait = !options.async || options.wait === true;
  if (!many) return invokeOne(context, process, payloads[0]!.value, options, wait);
  await context.client.checkProcess(process);
  return invokeMany(context, process, payloads, options, wait);
}

async function invokeOne(context: CommandContext, process: string, payload: unknown, options: InvokeOptions, wait: boolean): Promise<ExitCode> {
  const { client, out } = context;
  const accepted = await client.submitTask(process, payload, options.idempotencyKey);
  if (!wait) {
    if (out.json) out.printJson(accepted);
    else out.line(accepted.taskId);
    return ExitCode.ok;
  }
  if (!out.json) out.note(out.errColor.dim(`task ${accepted.taskId} (${process}) ${accepted.status}`));
  const record = await followTask(client, accepted.taskId, (entry) => (out.json ? undefined : printLog(out, entry)));
  printOutcome(out, record);
  return exitCodeOf(record.status as TerminalStatus);
}

/** Prints a task's end: the result on stdout (JSON), the error on stderr; `--json`: the whole record. */
export function printOutcome(out: Output, record: TaskRecord): void {
  if (out.json) return out.printJson(record);
  out.note(`${out.errColor.bold(record.taskId)} ${out.status(record.status)} after ${record.attempts} attempt(s)`);
  if (record.error) out.note(out.errColor.red(`${record.error.name}: ${record.error.message}${record.error.logic ? ` (in ${record.error.logic})` : ''}`));
  if (record.result !== undefined) out.line(JSON.stringify(record.result, null, 2));
}

/** One log line of a task: `time level [logic] message {data}`. */
export function printLog(out: Output, entry: LogEntry): void {
  const c = out.errColor;
  const level = entry.level === 'error' ? c.red(entry.level) : entry.level === 'warn' ? c.yellow(entry.level) : c.dim(entry.level);
  const data = entry.data === undefined ? '' : ` ${c.dim(JSON.stringify(entry.data))}`;
  out.note(`${c.dim(entry.time)} ${level.padEnd(5)} ${entry.logic ? `[${entry.logic}] ` : ''}${entry.message}${data}`);
}

/**
 * Submits every line of a .jsonl file with bounded concurrency and a
 * progress bar; a line whose submission fails is reported with its number
 * (and makes the exit code 1), never skipped in silence. Each line's
 * idempotency key is `<key>-<line>`, so a rerun with the same
 * `--idempotency-key` submits only the lines that did not get through.
 */
async function invokeMany(context: CommandContext, process: string, payloads: Payload[], options: InvokeOptions, wait: boolean): Promise<ExitCode> {
  const { client, out } = context;
  const base = options.idempotencyKey ?? randomUUID();
  const bar = new Progress('submitting', payloads.length, { enabled: out.interactive });
  let refused = 0;
  const submitted = await mapConcurrent<Payload, Submission>(payloads, options.concurrency, async (payload) => {
    try {
      const accepted = await client.submitTask(process, payload.value, `${base}-${payload.line}`);
      bar.increment(refused > 0 ? `, ${refused} refused` : '');
      return { line: payload.line!, taskId: accepted.taskId };
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode === ExitCode.unreachable || error.exitCode === ExitCode.unauthorized) throw error;
      refused += 1;
      bar.increment(`, ${refused} refused`);
      return { line: payload.line!, error: error.message };
    }
  }).finally(() => bar.stop());

  for (const s of submitted) if ('error' in s) out.warn(`line ${s.line}: not submitted: ${s.error}`);
  const ok = submitted.filter((s): s is { line: number; taskId: string } => 'taskId' in s);
  if (!out.json) out.note(`${ok.length} of ${payloads.length} submitted${refused > 0 ? `, ${refused} refused` : ''}`);

  if (!wait) {
    if (out.json) out.printJson(submitted);
    else for (const s of ok) out.line(s.taskId);
    return refused > 0 ? ExitCode.taskFailed : ExitCode.ok;
  }
  const records = await waitForTasks(client, ok.map((s) => s.taskId), { progress: out.interactive });
  const rows = submitted.map((s) => ('taskId' in s ? { line: s.line, taskId: s.taskId, status: records.get(s.taskId)!.status as TerminalStatus } : { line: s.line, status: 'not_submitted' as const, error: s.error }));
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  if (out.json) out.printJson(rows);
  else {
    for (const row of rows) if (row.status === 'failed' || row.status === 'timed_out') out.warn(`line ${row.line}: task ${'taskId' in row ? row.taskId : ''} ${row.status}`);
    out.note([...counts].map(([status, n]) => `${n} ${status}`).join(', '));
  }
  return exitCodeOfAll(rows.map((r) => r.status));
}

/**
 * The payload(s) of `--data` (none: `{}`): inline JSON, `@file` (JSON), `@file.jsonl` /
 * `@file.ndjson` (one payload per non-empty line) or `@-` (stdin, JSON).
 * Every line is parsed before anything is sent: a malformed line stops the
 * command naming it, so a file is never half submitted because of a typo.
 *
 * @throws {CliUsageProblem}
 */
export function readPayloads(data: string | undefined): { payloads: Payload[]; many: boolean } {
  if (data === undefined) return { payloads: [{ value: {} }], many: false };
  if (!data.startsWith('@')) return { payloads: [{ value: parseJson(data, '--data') }], many: false };
  const file = data.slice(1);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliUsageProblem(`cannot read --data ${data}: ${(error as Error).message}`);
  }
  if (!/\.(jsonl|ndjson)$/i.test(file)) return { payloads: [{ value: parseJson(text, file) }], many: false };
  const payloads: Payload[] = [];
  const bad: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      payloads.push({ line: index + 1, value: JSON.parse(line) });
    } catch (error) {
      bad.push(`line ${index + 1}: ${(error as Error).message}`);
    }
  });
  if (bad.length > 0) throw new CliUsageProblem(`${file}: ${bad.length} line(s) are not JSON, nothing was submitted:\n  ${bad.slice(0, 20).join('\n  ')}`);
  if (payloads.length === 0) throw new CliUsageProblem(`${file} holds no payload`);
  return { payloads, many: true };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliUsageProblem(`${what} is not JSON: ${(error as Error).message} (a file is given as @path)`);
  }
}
