import { type Command, Option } from 'commander';
import type { DataEvent } from '../../core/events/DataEvent.js';
import { CliUsageProblem } from '../CliError.js';
import { contextOf, instantOption, integerOption, shortTime, withTarget } from '../commandContext.js';

const PAGE = 100;

/** `sluice events search` (GET /sluice/events) and `sluice lineage` (GET /sluice/lineage). */
export function eventsCommands(program: Command): void {
  const events = program.command('events').description('data events: which data moved from where to where');
  withTarget(
    events
      .command('search')
      .description('published data events, newest first')
      .option('--label <label>', 'this label')
      .option('--source <identity>', 'read from this data identity')
      .option('--target <identity>', 'written to this data identity')
      .option('--process <name>', 'emitted by this process')
      .option('--task <taskId>', 'emitted by this task')
      .option('--since <when>', 'at or after (ISO-8601, or an age: 15m, 2h, 7d)', (v) => instantOption(v))
      .option('--until <when>', 'before (ISO-8601, or an age)', (v) => instantOption(v))
      .option('--limit <n>', 'at most this many', integerOption(1, 10_000), 20),
  ).action(async (options: { label?: string; source?: string; target?: string; process?: string; task?: string; since?: string; until?: string; limit: number; json?: boolean }) => {
    const { client, out } = contextOf(options);
    const items: DataEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.searchEvents({
        label: options.label,
        source: options.source,
        target: options.target,
        process: options.process,
        taskId: options.task,
        since: options.since,
        until: options.until,
        limit: Math.min(PAGE, options.limit - items.length),
        cursor,
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < options.limit);
    if (out.json) return out.printJson(items);
    if (items.length === 0) return out.note('no events');
    out.table(['TIME (UTC)', 'LABEL', 'SOURCE', 'TARGET', 'PROCESS', 'TASK'], items.map((e) => [shortTime(e.createdAt), e.label, e.source, e.target, e.process, e.taskId]));
  });

  withTarget(
    program
      .command('lineage [identity]')
      .description('the lineage graph around a data identity (or what one task read and wrote, --task)')
      .addOption(new Option('--direction <direction>', 'upstream: what fed it; downstream: what it fed').choices(['upstream', 'downstream', 'both']).default('both'))
      .option('--depth <n>', 'hops to follow (1–10)', integerOption(1, 10), 3)
      .option('--task <taskId>', 'the events of one task instead of a walk'),
  ).action(async (identity: string | undefined, options: { direction: string; depth: number; task?: string; json?: boolean }) => {
    const { client, out } = contextOf(options);
    if ((identity === undefined) === (options.task === undefined)) throw new CliUsageProblem('give a data identity or --task <taskId>, not both');
    const graph = await client.lineage(identity !== undefined ? { node: identity, direction: options.direction, depth: options.depth } : { taskId: options.task });
    if (out.json) return out.printJson(graph);
    if (graph.edges.length === 0) return out.note(`no lineage for ${identity ?? `task ${options.task}`}`);
    const c = out.color;
    for (const edge of graph.edges) {
      const mark = (id: string) => (id === identity ? c.bold(id) : id);
      out.line(`${mark(edge.source)} ${c.dim('→')} ${mark(edge.target)}  ${c.cyan(edge.label)} ${c.dim(`${edge.process} ${edge.taskId} ${shortTime(edge.createdAt)}`)}`);
    }
    if (graph.truncated) out.warn('the graph was cut (too many events): narrow --depth or --direction');
  });
}
