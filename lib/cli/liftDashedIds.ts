import type { Command } from 'commander';

/** A task id as the platform makes them (base64url, so it may open with `-`): long, no `=`. */
const ID_LIKE = /^-{1,2}[A-Za-z0-9_-]{15,}$/;

/**
 * Task ids are base64url and may start with `-` (`-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV`),
 * which commander would read as options. Such a token, when it is no option
 * of the program and not the value of an option that takes one, is moved
 * after a `--` at the end, where commander reads it as an argument:
 * `sluice task -P7bx… --follow` works as typed (so does `sluice task --follow -- -P7bx…`).
 */
export function liftDashedIds(argv: readonly string[], program: Command): string[] {
  if (argv[0] === 'start' || argv.includes('--')) return [...argv];
  const flags = new Set<string>();
  const takesValue = new Set<string>();
  const visit = (command: Command) => {
    for (const option of command.options) {
      for (const name of [option.long, option.short]) {
        if (!name) continue;
        flags.add(name);
        if (option.required || option.optional) takesValue.add(name);
      }
    }
    command.commands.forEach(visit);
  };
  visit(program);
  const kept: string[] = [];
  const lifted: string[] = [];
  argv.forEach((token, index) => {
    const previous = argv[index - 1];
    const isValue = previous !== undefined && takesValue.has(previous);
    if (ID_LIKE.test(token) && !flags.has(token) && !isValue) lifted.push(token);
    else kept.push(token);
  });
  return lifted.length === 0 ? kept : [...kept, '--', ...lifted];
}
