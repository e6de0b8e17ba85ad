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
    const name = await deadLetterQueueOf(client, queue);
    const { items } = await client.peekMessages(name, { limit: options.limit });
    if (out.json) return out.printJson(items);
    if (items.length === 0) return out.note(`${name} is empty`);
    out.table(['MESSAGE', 'SENT (UTC)', 'RECEIVES', 'BODY'], items.map((m) => [m.messageId, shortTime(m.sentAt), m.receiveCount, m.body.length > 80 ? `${m.body.slice(0, 79)}…` : m.body]));
  });

  withTarget(dlq.command('replay <queue>').description('move every dead letter back to the queue it died in (POST /sluice/queues/{dlq}/redrive)')).action(
    async (queue: string, options: { json?: boolean }) => {
      const { client, out } = contextOf(options);
      const answer = await client.redrive(await deadLetterQueueOf(client, queue));
      if (out.json) return out.printJson(answer);
      out.line(`moved ${answer.moved} message(s) to ${answer.to}`);
    },
  );

  withTarget(
    dlq
      .command('purge <queue>')
      .description('delete every dead letter of a queue (POST /sluice/queues/{dlq}/purge); the tasks\' records stay')
      .option('--yes', 'do not ask (required without a terminal)'),
  ).action(async (queue: string, options: { yes?: boolean; json?: boolean }) => {
    const { client, out } = contextOf(options);
    const name = await deadLetterQueueOf(client, queue);
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

/**
 * The dead-letter queue meant: a DLQ by name, the DLQ of a queue, or the DLQ
 * of a process's task queue (`<service>-<stage>-<process>-dlq`).
 *
 * @throws {CliError} exit 3 naming the dead-letter queues there are
 */
async function deadLetterQueueOf(client: PlatformClient, name: string): Promise<string> {
  const queues = await client.queues();
  const byName = new Map(queues.map((q) => [q.name, q]));
  const exact = byName.get(name);
  if (exact?.deadLetterFor.length) return exact.name;
  if (exact?.deadLetter) return exact.deadLetter.queue;
  const ofProcess = queues.find((q) => q.deadLetterFor.length > 0 && q.name.endsWith(`-${name}-dlq`));
  if (ofProcess) return ofProcess.name;
  const dlqs = queues.filter((q) => q.deadLetterFor.length > 0).map((q) => q.name);
  throw new CliError(`no dead-letter queue '${name}'; dead-letter queues: ${dlqs.join(', ') || '(none)'}`, ExitCode.refused);
}
