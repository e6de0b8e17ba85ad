import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { CliError, CliUsageProblem } from '../CliError.js';
import { contextOf, integerOption, shortTime, withTarget } from '../commandContext.js';
import { ExitCode } from '../exitCodes.js';
import type { PlatformClient } from '../PlatformClient.js';

/**
 * `sluice dlq ls [queue]`, `sluice dlq replay <queue>` and `sluice dlq purge
 * <queue> [--yes]` over the embedded runtime's queue console (`/sluice/queues`).
 */
export function dlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('dead-letter queues: list, look at, move back (embedded runtime)');

  withTarget(
    dlq
      .command('ls [queue]')
      .description('dead-letter queues and their counts; with a queue (or a process name), its messages')
      .option('--limit <n>', 'messages to show', integerOption(1, 100), 20),
  ).action(async (queue: string | undefined, options: { limit: number; json?: boolean }) => {
    const { client, out } = contextOf(options);
    if (queue === undefined) {
      const dlqs = (await client.queues()).filter((q) => q.deadLetterFor.length > 0);
      if (out.json) return out.printJson(dlqs);
      if (dlqs.length === 0) return out.note('no dead-letter queues');
      out.table(
        ['QUEUE', 'FOR', 'MESSAGES', 'IN FLIGHT'],
        dlqs.map((q) => [q.name, q.deadLetterFor.join(', '), q.visible > 0 ? out.color.yellow(String(q.visible)) : '0', q.inFlight]),
      );
      return;
    }
    const names = await deadLetterQueuesOf(client, queue);
    const items = (await Promise.all(names.map(async (name) => (await client.peekMessages(name, { limit: options.limit })).items.map((m) => ({ queue: name, ...m }))))).flat();
    if (out.json) return out.printJson(items);
    if (items.length === 0) return out.note(`${names.join(', ')}: empty`);
    out.table(
      ['QUEUE', 'MESSAGE', 'SENT (UTC)', 'RECEIVES', 'TASK', 'STATUS', 'ERROR', 'BODY'],
      items.map((m) => [
        m.queue,
        m.messageId,
        shortTime(m.sentAt),
        m.receiveCount,
        m.task?.taskId ?? m.taskId,
        m.task ? out.status(m.task.status) : undefined,
        m.task?.error ? clip(`${m.task.error.name}: ${m.task.error.message}`, 60) : undefined,
        clip(m.body, 60),
      ]),
    );
  });

  withTarget(dlq.command('replay <queue>').description('move every dead letter back to the queue it died in (POST /sluice/queues/{dlq}/redrive)')).action(
    async (queue: string, options: { json?: boolean }) => {
      const { client, out } = contextOf(options);
      const answers = [];
      for (const name of await deadLetterQueuesOf(client, queue)) answers.push({ from: name, ...(await client.redrive(name)) });
      // One DLQ: its answer as the API gives it; several (a process fed by more than one queue): one per DLQ.
      if (out.json) return out.printJson(answers.length === 1 ? { moved: answers[0]!.moved, to: answers[0]!.to } : answers);
      for (const answer of answers) out.line(`moved ${answer.moved} message(s) to ${answer.to}`);
    },
  );

  withTarget(
    dlq
      .command('purge <queue>')
      .description('delete every dead letter of a queue (POST /sluice/queues/{dlq}/purge); the tasks\' records stay')
      .option('--yes', 'do not ask (required without a terminal)'),
  ).action(async (queue: string, options: { yes?: boolean; json?: boolean }) => {
    const { client, out } = contextOf(options);
    const names = await deadLetterQueuesOf(client, queue);
    if (names.length > 1) throw new CliUsageProblem(`'${queue}' has ${names.length} dead-letter queues (${names.join(', ')}): purge them one at a time, by name`);
    const name = names[0]!;
    if (!options.yes) {
      // Asked on the terminal only: a script must say --yes, never hang on a prompt or purge by accident.
      if (!process.stdin.isTTY || !process.stderr.isTTY) throw new CliUsageProblem(`purging ${name} deletes its messages for good: pass --yes to confirm (no terminal to ask on)`);
      const info = (await client.queues()).find((q) => q.name === name);
      const count = info ? info.visible + info.inFlight + info.delayed : 0;
      if (!(await confirm(`delete ${count} message(s) from ${name}? [y/N] `))) {
        out.note('nothing purged');
        return;
      }
    }
    const answer = await client.purge(name);
    if (out.json) return out.printJson({ queue: name, ...answer });
    out.line(`purged ${answer.purged} message(s) from ${name}`);
  });
}

/** Asks on stderr, reads one line from the terminal: yes only for `y` / `yes`. */
async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The dead-letter queues meant: a DLQ by name, the DLQ of a queue, or every
 * DLQ of a process — of its task queue (`<service>-<stage>-<process>`) and of
 * each queue it consumes (its queue triggers, static or added at run time: a
 * process fed by a declared queue dead-letters there, not in its task
 * queue's DLQ).
 *
 * @throws {CliError} exit 3 naming the dead-letter queues there are
 */
async function deadLetterQueuesOf(client: PlatformClient, name: string): Promise<string[]> {
  const queues = await client.queues();
  const byName = new Map(queues.map((q) => [q.name, q]));
  const exact = byName.get(name);
  if (exact?.deadLetterFor.length) return [exact.name];
  if (exact?.deadLetter) return [exact.deadLetter.queue];
  const dlqs = queues.filter((q) => q.deadLetterFor.length > 0).map((q) => q.name);
  if ((await client.processes()).some((p) => p.name === name)) {
    const taskQueueDlq = queues.find((q) => q.deadLetterFor.length > 0 && q.name.endsWith(`-${name}-dlq`))?.name;
    const { items } = await client.listTriggers({ process: name, kind: 'queue' });
    const consumed = items.flatMap((t) => (t.spec.kind === 'queue' ? [byName.get(t.spec.queue)?.deadLetter?.queue] : []));
    const found = [...new Set([taskQueueDlq, ...consumed].filter((q): q is string => q !== undefined))];
    if (found.length > 0) return found;
    throw new CliError(`process '${name}' consumes no queue with a dead-letter queue; dead-letter queues: ${dlqs.join(', ') || '(none)'}`, ExitCode.refused);
  }
  throw new CliError(`no dead-letter queue '${name}'; dead-letter queues: ${dlqs.join(', ') || '(none)'}`, ExitCode.refused);
}
