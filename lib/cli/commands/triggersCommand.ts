import { type Command, Option } from 'commander';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import { TRIGGER_KINDS, type TriggerKind } from '../../core/triggers/TriggerSpec.js';
import { CliUsageProblem } from '../CliError.js';
import { contextOf, integerOption, jsonOption, shortTime, withTarget } from '../commandContext.js';

interface AddOptions {
  kind: TriggerKind;
  method?: string;
  path?: string;
  mode?: string;
  authorizer?: string;
  scope?: string[];
  expression?: string;
  timezone?: string;
  input?: unknown;
  queue?: string;
  batchSize?: number;
  label?: string;
  source?: string;
  target?: string;
  note?: string;
  json?: boolean;
}

/** The flags each kind needs (README "Triggers at run time"). */
const REQUIRED: Record<AddOptions['kind'], Array<keyof AddOptions>> = {
  http: ['method', 'path'],
  schedule: ['expression'],
  queue: ['queue'],
  event: ['label'],
};

/** `sluice triggers ls|add|pause|resume|rm|history|fire` over `/sluice/triggers`. */
export function triggersCommand(program: Command): void {
  const triggers = program.command('triggers').description('the trigger registry: list, add, pause, resume, remove (/sluice/triggers)');

  withTarget(
    triggers
      .command('ls')
      .description('every trigger: serverless.yml\'s (static) and those added at run time')
      .option('--process <name>', 'only this process')
      .addOption(new Option('--kind <kind>', 'only this kind').choices(TRIGGER_KINDS)),
  ).action(async (options: { process?: string; kind?: string; json?: boolean }) => {
    const { client, out } = contextOf(options);
    if (options.process) await client.checkProcess(options.process);
    const { items } = await client.listTriggers({ process: options.process, kind: options.kind });
    if (out.json) return out.printJson(items);
    if (items.length === 0) return out.note('no triggers');
    out.table(
      ['ID', 'PROCESS', 'KIND', 'SPEC', 'AUTH', 'SOURCE', 'STATE', 'NOTE'],
      items.map((t) => [t.triggerId, t.process, t.spec.kind, describeSpec(t), describeAuthorizer(t), t.source, t.paused ? out.color.yellow('paused') : out.color.green('active'), t.note]),
    );
  });

  withTarget(
    triggers
      .command('add <process>')
      .description('add a trigger at run time (effective at once, kept across restarts)')
      .addOption(new Option('--kind <kind>', 'what starts the process').choices(TRIGGER_KINDS).makeOptionMandatory())
      .option('--method <method>', 'http: GET, POST, … or ANY')
      .option('--path <path>', 'http: the route, e.g. /orders/{id}')
      .addOption(new Option('--mode <mode>', 'http: sync answers with the result, async with 202 and the task').choices(['sync', 'async']))
      .option('--authorizer <name|aws_iam>', 'http: who may call it: an authorizer of provider.httpApi.authorizers, or aws_iam (none: anyone)')
      .option('--scope <scope>', 'http: a JWT scope the caller\'s token must hold one of (repeatable; with --authorizer <name>)', collect, [])
      .option('--expression <expr>', 'schedule: cron(...), rate(...) or at(...)')
      .option('--timezone <tz>', 'schedule: IANA time zone (default UTC)')
      .option('--input <json>', 'schedule: the input of each firing', jsonOption)
      .option('--queue <name>', 'queue: a queue of serverless.yml')
      .option('--batch-size <n>', 'queue: messages per task batch', integerOption(1, 10_000))
      .option('--label <label>', 'event: a label, prefix.* or *')
      .option('--source <identity>', 'event: only events read from this data identity')
      .option('--target <identity>', 'event: only events written to this data identity')
      .option('--note <text>', 'why, for the audit log'),
  ).action(async (process: string, options: AddOptions) => {
    const { client, out } = contextOf(options);
    const missing = REQUIRED[options.kind].filter((name) => options[name] === undefined);
    if (missing.length > 0) throw new CliUsageProblem(`--kind ${options.kind} needs ${missing.map((m) => `--${m.replace(/[A-Z]/g, (l) => `-${l.toLowerCase()}`)}`).join(', ')}`);
    const authorizer = authorizerOf(options);
    await client.checkProcess(process);
    const spec: Record<string, unknown> = { kind: options.kind };
    const copy = (names: Array<keyof AddOptions>) => names.forEach((name) => options[name] !== undefined && (spec[name] = options[name]));
    if (options.kind === 'http') {
      copy(['path', 'mode']);
      spec.method = options.method!.toUpperCase();
      if (authorizer !== undefined) spec.authorizer = authorizer;
    }
    if (options.kind === 'schedule') copy(['expression', 'timezone', 'input']);
    if (options.kind === 'queue') copy(['queue', 'batchSize']);
    if (options.kind === 'event') copy(['label', 'source', 'target']);
    const record = await client.createTrigger({ process, ...spec, ...(options.note ? { note: options.note } : {}) });
    // A route anyone may call is what the API makes of a missing authorizer: say so, on stderr (never in the JSON on stdout).
    if (record.spec.kind === 'http' && record.spec.authorizer === undefined) {
      out.warn(`warning: ${record.spec.method} ${record.spec.path} is public: anyone who can reach the runtime may call it (give --authorizer <name> or --authorizer aws_iam to protect it)`);
    }
    if (out.json) return out.printJson(record);
    out.line(record.triggerId);
    out.note(`added ${record.spec.kind} trigger of ${record.process}: ${describeSpec(record)}`);
  });

  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    withTarget(
      triggers
        .command(`${name} <triggerId>`)
        .description(paused ? 'pause a trigger (a route answers 404, a schedule or subscription starts nothing)' : 'resume a paused trigger')
        .option('--note <text>', 'why, for the audit log'),
    ).action(async (triggerId: string, options: { note?: string; json?: boolean }) => {
      const { client, out } = contextOf(options);
      const record = await client.updateTrigger(triggerId, { paused, ...(options.note ? { note: options.note } : {}) });
      if (out.json) return out.printJson(record);
      out.line(`${record.triggerId} ${record.paused ? 'paused' : 'active'}`);
    });
  }

  withTarget(triggers.command('rm <triggerId>').description('remove a trigger added at run time (serverless.yml\'s are paused instead)'), { json: false }).action(
    async (triggerId: string, options: object) => {
      const { client, out } = contextOf(options);
      await client.deleteTrigger(triggerId);
      out.note(`removed ${triggerId}`);
    },
  );

  withTarget(triggers.command('history <triggerId>').description('the audit log of a trigger: who changed what, when').option('--limit <n>', 'at most this many', integerOption(1, 100), 20)).action(
    async (triggerId: string, options: { limit: number; json?: boolean }) => {
      const { client, out } = contextOf(options);
      const { items } = await client.triggerHistory(triggerId, { limit: options.limit });
      if (out.json) return out.printJson(items);
      out.table(['AT (UTC)', 'ACTION', 'ACTOR', 'NOTE'], items.map((c) => [shortTime(c.at), c.action, c.actor, c.after?.note ?? c.before?.note]));
    },
  );

  withTarget(triggers.command('fire <triggerId>').description('run a trigger\'s process now (a schedule with its input)').option('--input <json>', 'the input', jsonOption)).action(
    async (triggerId: string, options: { input?: unknown; json?: boolean }) => {
      const { client, out } = contextOf(options);
      const answer = await client.fireTrigger(triggerId, options.input);
      if (out.json) return out.printJson(answer);
      out.line(answer.taskId);
    },
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The http spec's `authorizer` from `--authorizer` and `--scope`s.
 * @throws {CliUsageProblem} a scope without a named authorizer, or either flag on another kind
 */
function authorizerOf(options: AddOptions): 'aws_iam' | { name: string; scopes?: string[] } | undefined {
  const scopes = options.scope ?? [];
  if (options.kind !== 'http') {
    if (options.authorizer !== undefined || scopes.length > 0) throw new CliUsageProblem('--authorizer and --scope are for --kind http');
    return undefined;
  }
  if (options.authorizer === undefined) {
    if (scopes.length > 0) throw new CliUsageProblem('--scope needs --authorizer <name> (a JWT authorizer checks scopes)');
    return undefined;
  }
  if (options.authorizer === 'aws_iam') {
    if (scopes.length > 0) throw new CliUsageProblem('--scope is for a JWT authorizer, not aws_iam');
    return 'aws_iam';
  }
  return { name: options.authorizer, ...(scopes.length > 0 ? { scopes } : {}) };
}

/** An http route's authorizer for the AUTH column: `public` for none; empty for other kinds. */
function describeAuthorizer(t: TriggerRecord): string {
  if (t.spec.kind !== 'http') return '';
  const { authorizer } = t.spec;
  if (authorizer === undefined) return 'public';
  if (authorizer === 'aws_iam') return 'aws_iam';
  return authorizer.scopes?.length ? `${authorizer.name} (${authorizer.scopes.join(' ')})` : authorizer.name;
}

function describeSpec(t: TriggerRecord): string {
  const spec = t.spec;
  switch (spec.kind) {
    case 'http':
      return `${spec.method} ${spec.path} (${spec.mode})`;
    case 'schedule':
      return `${spec.expression}${spec.timezone ? ` ${spec.timezone}` : ''}`;
    case 'queue':
      return `${spec.queue} (batch ${spec.batchSize})`;
    case 'event':
      return [spec.label, spec.source ? `from ${spec.source}` : '', spec.target ? `to ${spec.target}` : ''].filter(Boolean).join(' ');
  }
}

