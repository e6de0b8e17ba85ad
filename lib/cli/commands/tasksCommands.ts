import { randomUUID } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TASK_STATUSES, TRIGGER_TYPES, type TaskRecord, type TaskSummary, type TerminalStatus } from '../../core/task/TaskRecord.js';
import { CliUsageProblem } from '../CliError.js';
import { contextOf, duration, exitingWith, instantOption, integerOption, shortTime, withTarget } from '../commandContext.js';
import { ExitCode } from '../exitCodes.js';
import type { Output } from '../Output.js';
import { Progress } from '../Progress.js';
import type { BulkReplayReport, PlatformClient, ReplayFilter } from '../PlatformClient.js';
import { exitCodeOf, exitCodeOfAll, followTask, waitForTasks } from '../waitForTasks.js';
import { printLog, printOutcome, readPayloads } from './invokeCommand.js';

const PAGE = 100;

/** `sluice tasks`, `sluice task <id>`, `sluice replay`, `sluice cancel`. */
export function tasksCommands(program: Command): void {
  withTarget(
    program
      .command('tasks')
      .description('list tasks, newest first (GET /sluice/tasks)')
      .option('--process <name>', 'only this process')
      .addOption(new Option('--status <status>', 'only this status').choices(TASK_STATUSES))
      .addOption(new Option('--trigger <type>', 'only tasks started by this kind of trigger').choices(TRIGGER_TYPES))
      .option('--since <when>', 'created at or after (ISO-8601, or an age: 15m, 2h, 7d)', (v) => instantOption(v))
      .option('--until <when>', 'created before (ISO-8601, or an age)', (v) => instantOption(v))
      .option('--limit <n>', 'at most this many', integerOption(1, 10_000), 20),
  ).action(async (options: TaskListOptions & { json?: boolean }) => {
    const { client, out } = contextOf(options);
    if (options.process) await client.checkProcess(options.process);
    const items = await listTasks(client, options);
    if (out.json) return out.printJson(items);
    if (items.length === 0) return out.note('no tasks');
    out.table(
      ['TASK', 'PROCESS', 'STATUS', 'TRIGGER', 'CREATED (UTC)', 'DURATION', 'ATTEMPTS'],
      items.map((t) => [t.taskId, t.process, out.status(t.status), t.trigger.type, shortTime(t.createdAt), duration(t.startedAt, t.finishedAt), t.attempts]),
    );
  });

  withTarget(
    program
      .command('task <taskId>')
      .description('show a task; --follow prints its log lines as they come until it ends')
      .option('--follow', 'wait for the end; exit 0 succeeded, 1 failed, 2 timed out'),
  ).action(exitingWith(async (taskId: string, options: { follow?: boolean; json?: boolean }) => {
    const { client, out } = contextOf(options);
    if (!options.follow) {
      const record = await client.task(taskId);
      if (out.json) out.printJson(record);
      else showTask(out, record);
      return ExitCode.ok;
    }
    const record = await followTask(client, taskId, (entry) => (out.json ? undefined : printLog(out, entry)));
    printOutcome(out, record);
    return exitCodeOf(record.status as TerminalStatus);
  }));

  withTarget(
    program
      .command('replay [taskId]')
      .description('run a task again with its payload, or every task a filter matches (--process/--status/--since/--until)')
      .option('--process <name>', 'filter: the process')
      .addOption(new Option('--status <status>', 'filter: the status').choices(TASK_STATUSES))
      .option('--since <when>', 'filter: created at or after (ISO-8601 or an age: 2h, 7d)', (v) => instantOption(v))
      .option('--until <when>', 'filter: created before (ISO-8601 or an age)', (v) => instantOption(v))
      .option('--filter <k=v,...>', 'the filter in one flag: process=load,status=failed,since=2h', parseFilter)
      .option('--dry-run', 'only say what would be replayed')
      .option('--payload <json|@file>', 'a single replay: the payload to run it with instead of the kept one (JSON, @file.json or @-), for a task whose payload was not kept')
      .option('--wait', 'wait for the new task (a single replay); exit as its end says')
      .option('--idempotency-key <key>', 'a bulk replay resent with the same key is not done twice (default: a new UUID)'),
  ).action(exitingWith(async (taskId: string | undefined, options: ReplayFilter & { filter?: ReplayFilter; dryRun?: boolean; payload?: string; wait?: boolean; idempotencyKey?: string; json?: boolean }) => {
    const { client, out } = contextOf(options);
    const filter: ReplayFilter = {
      ...options.filter,
      ...(options.process ? { process: options.process } : {}),
      ...(options.status ? { status: options.status } : {}),
      ...(options.since ? { since: options.since } : {}),
      ...(options.until ? { until: options.until } : {}),
    };
    const filtered = Object.keys(filter).length > 0;
    if ((taskId !== undefined) === filtered) throw new CliUsageProblem('give a task id or a filter (--process, --status, --since, --until), not both');
    if (taskId !== undefined && options.dryRun) throw new CliUsageProblem('--dry-run is for a filter: a single replay has nothing to preview (sluice task <id> shows it)');
    if (taskId === undefined && options.payload !== undefined) throw new CliUsageProblem('--payload is for a single replay (sluice replay <id> --payload ...): a bulk replay runs each task with its own kept payload');
    const payload = options.payload === undefined ? undefined : readPayload(options.payload);
    if (filter.process) await client.checkProcess(filter.process);
    if (taskId === undefined) return bulkReplay(client, out, filter, { dryRun: options.dryRun === true, idempotencyKey: options.idempotencyKey ?? randomUUID() });
    const answer = await client.replayTask(taskId, payload);
    const ids = answer.taskId ? [answer.taskId] : [];
    if (!options.wait || ids.length === 0) {
      if (out.json) out.printJson(answer);
      else ids.forEach((id) => out.line(id));
      return ExitCode.ok;
    }
    const records = await waitForTasks(client, ids, { label: 'replaying ', progress: out.interactive });
    if (out.json) out.printJson([...records.values()].map(({ taskId: id, status }) => ({ taskId: id, status })));
    else for (const record of records.values()) out.line(`${record.taskId}  ${out.status(record.status)}`);
    return exitCodeOfAll([...records.values()].map((r) => r.status as TerminalStatus));
  }));

  withTarget(program.command('cancel <taskId>').description('cancel a queued or running task (POST /sluice/tasks/{id}/cancel)')).action(
    async (taskId: string, options: { json?: boolean }) => {
      const { client, out } = contextOf(options);
      const answer = await client.cancelTask(taskId);
      if (out.json) out.printJson(answer);
      else out.line(`${taskId} ${String(answer.status ?? 'cancel requested')}`);
    },
  );
}

/** Tasks one bulk replay request takes: small enough for the progress bar to move, and for a Lambda's time limit. */
const REPLAY_PAGE = 100;

/**
 * A bulk replay as a series of bounded requests (`maxTasks`, then the
 * report's `nextCursor`), all with the same key: a progress bar (on a
 * terminal) advances as each page is replayed, and a run cut short is
 * finished by running it again with `--idempotency-key`. The bar's total
 * comes from a dry run first (terminal only: a script does not pay for it).
 */
async function bulkReplay(client: PlatformClient, out: Output, filter: ReplayFilter, options: { dryRun: boolean; idempotencyKey: string }): Promise<number> {
  const walk = async (dryRun: boolean, maxTasks: number, onPage?: (report: BulkReplayReport) => void): Promise<BulkReplayAnswer> => {
    const total: BulkReplayAnswer = { dryRun, matched: 0, replayed: 0, alreadyReplayed: 0, noPayload: 0, skipped: 0 };
    let cursor: string | undefined;
    do {
      const report = await client.replayTasks(filter, dryRun, options.idempotencyKey, { maxTasks, ...(cursor ? { cursor } : {}) });
      for (const field of ['matched', 'replayed', 'alreadyReplayed', 'noPayload', 'skipped'] as const) total[field] += report[field] ?? 0;
      onPage?.(report);
      cursor = report.truncated ? report.nextCursor : undefined;
    } while (cursor);
    return total;
  };
  if (options.dryRun) {
    const counted = await walk(true, 10_000);
    const replayable = counted.matched - counted.noPayload;
    if (out.json) out.printJson(counted);
    else out.line(`${replayable} task(s) would be replayed${counted.noPayload ? `, ${counted.noPayload} without a kept payload (replay those one by one with --payload)` : ''}`);
    return nothingReplayable(out, counted.matched, replayable);
  }
  let progress: Progress | undefined;
  if (out.interactive && !out.json) progress = new Progress('replaying ', (await walk(true, 10_000)).matched);
  const done = await walk(false, REPLAY_PAGE, (page) => progress?.advance(page.matched ?? 0));
  progress?.stop();
  if (out.json) out.printJson(done);
  else out.line(`replayed ${done.replayed} task(s)${done.alreadyReplayed ? `, ${done.alreadyReplayed} already replayed by this key` : ''}${done.noPayload ? `, ${done.noPayload} without a kept payload (replay those one by one with --payload)` : ''}${done.skipped ? `, ${done.skipped} skipped (unfinished or not replayable)` : ''}`);
  return nothingReplayable(out, done.matched, done.replayed + done.alreadyReplayed);
}

/**
 * Exit 1 when tasks matched but none of them could be (or would be)
 * replayed — every one without a kept payload, say — so a script does not
 * take "nothing done" for done; 0 otherwise (no match is not a failure).
 */
function nothingReplayable(out: Output, matched: number, replayable: number): number {
  if (matched === 0 || replayable > 0) return ExitCode.ok;
  out.warn(`none of the ${matched} matching task(s) can be replayed`);
  return ExitCode.taskFailed;
}

/** `--payload`: inline JSON, `@file` or `@-` (stdin), as `invoke --data` reads one payload. */
function readPayload(text: string): unknown {
  const { payloads, many } = readPayloads(text);
  if (many) throw new CliUsageProblem('--payload takes one payload, not a .jsonl file');
  return payloads[0]!.value;
}

/** The sums of a bulk replay's pages: the page report's counts, without its paging fields. */
type BulkReplayAnswer = Required<Omit<BulkReplayReport, 'truncated' | 'nextCursor'>>;

/**
 * `--filter process=load,status=failed,since=2h,until=2026-11-29`: the
 * filter flags in one (times as `--since` reads them).
 */
function parseFilter(text: string): ReplayFilter {
  const filter: ReplayFilter = {};
  for (const part of text.split(',')) {
    const [key, ...rest] = part.split('=');
    const value = rest.join('=');
    if (!value) throw new InvalidArgumentError(`expected key=value, got '${part}'`);
    if (key === 'process') filter.process = value;
    else if (key === 'status') {
      if (!(TASK_STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`status must be one of ${TASK_STATUSES.join(', ')}`);
      filter.status = value as ReplayFilter['status'];
    } else if (key === 'since' || key === 'until') filter[key] = instantOption(value);
    else throw new InvalidArgumentError(`unknown filter key '${key}' (process, status, since, until)`);
  }
  return filter;
}

interface TaskListOptions {
  process?: string;
  status?: string;
  trigger?: string;
  since?: string;
  until?: string;
  limit: number;
}

/**
 * Pages through `GET /sluice/tasks` (newest first, filtered by the server:
 * process, status, trigger, since, until) until `limit` tasks or the last page.
 */
async function listTasks(client: PlatformClient, options: TaskListOptions): Promise<TaskSummary[]> {
  const items: TaskSummary[] = [];
  let cursor: string | undefined;
  const { process, status, trigger, since, until } = options;
  do {
    const page = await client.listTasks({ process, status, trigger, since, until, limit: Math.min(PAGE, options.limit - items.length), cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < options.limit);
  return items;
}

function showTask(out: Output, t: TaskRecord): void {
  const c = out.color;
  const rows: Array<[string, string]> = [
    ['task', t.taskId],
    ['process', t.process],
    ['status', out.status(t.status)],
    ['trigger', JSON.stringify(t.trigger)],
    ['created', t.createdAt],
    ['started', t.startedAt ?? ''],
    ['finished', t.finishedAt ? `${t.finishedAt} (${duration(t.startedAt ?? t.createdAt, t.finishedAt)})` : ''],
    ['attempts', String(t.attempts)],
  ];
  for (const [name, value] of rows) if (value) out.line(`${c.dim(name.padEnd(9))} ${value}`);
  if (t.error) out.line(`${c.dim('error'.padEnd(9))} ${c.red(`${t.error.name}: ${t.error.message}`)}${t.error.logic ? ` (in ${t.error.logic})` : ''}`);
  if (t.result !== undefined) out.line(`${c.dim('result')}\n${JSON.stringify(t.result, null, 2)}`);
  if (t.logs.length > 0) {
    out.line(c.dim('logs'));
    for (const entry of t.logs) out.line(`  ${entry.time} ${entry.level.padEnd(5)} ${entry.logic ? `[${entry.logic}] ` : ''}${entry.message}${entry.data === undefined ? '' : ` ${JSON.stringify(entry.data)}`}`);
  }
}
