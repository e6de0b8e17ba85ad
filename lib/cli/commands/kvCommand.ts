import type { Command } from 'commander';
import { contextOf, integerOption, shortTime, withTarget } from '../commandContext.js';

/** `sluice kv get|set|rm|ls` over `/sluice/kv` (the store processes use as `ctx.kv`). */
export function kvCommand(program: Command): void {
  const kv = program.command('kv').description('the key-value store of the processes (ctx.kv)');

  withTarget(kv.command('get <key>').description('print a value (JSON); --json: the entry with its times')).action(async (key: string, options: { json?: boolean }) => {
    const { client, out } = contextOf(options);
    const entry = await client.kvGet(key);
    out.printJson(options.json ? entry : entry.value);
  });

  withTarget(
    kv
      .command('set <key> <value>')
      .description('write a value: JSON, or else the text as a string (sluice kv set cursor 2001-01-01)')
      .option('--ttl <seconds>', 'expire after this many seconds', integerOption(1, 31_622_400)),
  ).action(async (key: string, value: string, options: { ttl?: number; json?: boolean }) => {
    const { client, out } = contextOf(options);
    const entry = await client.kvSet(key, parseValue(value), options.ttl);
    if (out.json) return out.printJson(entry);
    out.note(`set ${entry.key}${entry.expiresAt ? ` (expires ${entry.expiresAt})` : ''}`);
  });

  withTarget(kv.command('rm <key>').description('delete a key (exit 3 when absent)'), { json: false }).action(async (key: string, options: object) => {
    const { client, out } = contextOf(options);
    await client.kvDelete(key);
    out.note(`removed ${key}`);
  });

  withTarget(kv.command('ls').description('keys, in order').option('--prefix <prefix>', 'keys starting with it').option('--limit <n>', 'at most this many', integerOption(1, 100), 20)).action(
    async (options: { prefix?: string; limit: number; json?: boolean }) => {
      const { client, out } = contextOf(options);
      const { items } = await client.kvList({ prefix: options.prefix, limit: options.limit });
      if (out.json) return out.printJson(items);
      if (items.length === 0) return out.note('no keys');
      out.table(['KEY', 'VALUE', 'UPDATED (UTC)', 'EXPIRES'], items.map((e) => [e.key, truncate(JSON.stringify(e.value)), shortTime(e.updatedAt), shortTime(e.expiresAt)]));
    },
  );
}

/** JSON when it parses (`42`, `{"a":1}`, `"x"`), else the text itself as a string. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
