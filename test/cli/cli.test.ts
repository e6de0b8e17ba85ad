import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TOKEN, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { staticTriggerId } from '../../lib/core/triggers/TriggerService.js';
import { eventually } from '../helpers/time.js';
import { ANSI, CLI_FIXTURE, onTerminal, runSluice } from './runSluice.js';

/**
 * The `sluice` command line as users run it (node bin/sluice.mjs, a child
 * process) against a real embedded runtime serving test/fixtures/cli.
 */
describe('sluice CLI against the embedded runtime', { timeout: 120_000 }, () => {
  let harness: Harness;
  let env: Record<string, string>;
  const sluice = (...args: string[]) => runSluice(args, env);
  const json = (stdout: string) => JSON.parse(stdout) as any;

  beforeAll(async () => {
    harness = await startHarness({ configPath: CLI_FIXTURE });
    env = { SLUICE_URL: harness.url, SLUICE_API_TOKEN: TOKEN };
  });
  afterAll(async () => {
    await harness?.stop();
  });

  describe('invoke', () => {
    it('waits for the result by default: the result on stdout, the log lines on stderr, exit 0', async () => {
      const run = await sluice('invoke', 'echo', '--data', '{"a":1}');
      expect(run.code).toBe(0);
      expect(json(run.stdout)).toEqual({ echoed: { a: 1 } });
      expect(run.stderr).toContain('[look] looking at the input');
      expect(run.stderr).toMatch(/succeeded after 1 attempt/);
    });

    it('--json prints the whole task record', async () => {
      const run = await sluice('invoke', 'echo', '--data', '{"b":2}', '--json');
      expect(run.code).toBe(0);
      const record = json(run.stdout);
      expect(record).toMatchObject({ process: 'echo', status: 'succeeded', result: { echoed: { b: 2 } } });
      expect(record.logs.map((l: { message: string }) => l.message)).toEqual(['looking at the input', 'done looking']);
    });

    it('--async prints the task id at once', async () => {
      const run = await sluice('invoke', 'echo', '--data', '{"c":3}', '--async');
      expect(run.code).toBe(0);
      const taskId = run.stdout.trim();
      expect(taskId).toMatch(/^\S+$/);
      expect(await harness.waitForTask(taskId)).toMatchObject({ status: 'succeeded', result: { echoed: { c: 3 } } });
    });

    it('a failed task exits 1 with its error, a timed-out one 2', async () => {
      const failed = await sluice('invoke', 'fail');
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('Error: warehouse rejected the batch (in load)');
      const timedOut = await sluice('invoke', 'slow');
      expect(timedOut.code).toBe(2);
      expect(timedOut.stderr).toMatch(/timed_out/);
    });

    it('an unknown process is refused with the list of processes (exit 3)', async () => {
      const run = await sluice('invoke', 'nope', '--data', '{}');
      expect(run.code).toBe(3);
      expect(run.stderr).toContain("unknown process 'nope'; processes: echo, fail, load, refresh, slow");
    });

    it('@file.jsonl --async --wait submits every line, waits for all, and names a line that was refused', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
      const file = join(dir, 'payloads.jsonl');
      const lines = [...Array.from({ length: 4 }, (_, i) => JSON.stringify({ n: i + 1 })), JSON.stringify({ big: 'x'.repeat(5_000) }), '', JSON.stringify({ n: 6 })];
      writeFileSync(file, `${lines.join('\n')}\n`);
      const run = await sluice('invoke', 'echo', '--data', `@${file}`, '--async', '--wait', '--json');
      expect(run.code).toBe(1);
      const rows = json(run.stdout) as Array<{ line: number; status: string; taskId?: string }>;
      expect(rows.map((r) => [r.line, r.status])).toEqual([
        [1, 'succeeded'],
        [2, 'succeeded'],
        [3, 'succeeded'],
        [4, 'succeeded'],
        [5, 'not_submitted'],
        [7, 'succeeded'],
      ]);
      expect(run.stderr).toMatch(/line 5: not submitted: .*4096/);
      expect((await harness.task(rows[0]!.taskId!)).result).toEqual({ echoed: { n: 1 } });
    });

    it('a .jsonl file with a malformed line submits nothing and names the line (exit 64)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, '{"n":1}\nnot json\n');
      const before = (await harness.call('/sluice/tasks?process=echo&limit=100')).body.items.length;
      const run = await sluice('invoke', 'echo', '--data', `@${file}`);
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('line 2:');
      expect((await harness.call('/sluice/tasks?process=echo&limit=100')).body.items.length).toBe(before);
    });
  });

  describe('tasks and task', () => {
    it('tasks --json lists summaries; --process and --status filter', async () => {
      await sluice('invoke', 'echo', '--data', '{"listed":true}');
      const run = await sluice('tasks', '--process', 'echo', '--status', 'succeeded', '--limit', '3', '--json');
      expect(run.code).toBe(0);
      const items = json(run.stdout) as Array<{ process: string; status: string }>;
      expect(items.length).toBeGreaterThan(0);
      expect(items.length).toBeLessThanOrEqual(3);
      for (const item of items) expect(item).toMatchObject({ process: 'echo', status: 'succeeded' });
      // --since is the server's filter: an hour back keeps them, a future instant none.
      expect(json((await sluice('tasks', '--process', 'echo', '--since', '1h', '--limit', '3', '--json')).stdout).length).toBe(items.length);
      expect(json((await sluice('tasks', '--since', '2999-01-01', '--json')).stdout)).toEqual([]);
    });

    it('tasks --trigger, --since and --until are the server\'s filters (since ≤ created < until)', async () => {
      const before = new Date().toISOString();
      const older = (await sluice('invoke', 'echo', '--data', '{"w":1}', '--async')).stdout.trim();
      await harness.waitForTask(older);
      const between = new Date().toISOString();
      const newer = (await sluice('invoke', 'echo', '--data', '{"w":2}', '--async')).stdout.trim();
      await harness.waitForTask(newer);
      const ids = async (...args: string[]) => (json((await sluice('tasks', ...args, '--json')).stdout) as Array<{ taskId: string }>).map((t) => t.taskId);
      expect(await ids('--since', before)).toEqual([newer, older]);
      expect(await ids('--since', before, '--until', between)).toEqual([older]);
      expect(await ids('--since', before, '--trigger', 'api')).toEqual([newer, older]);
      expect(await ids('--since', before, '--trigger', 'http')).toEqual([]);
      const bad = await sluice('tasks', '--trigger', 'cron');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('--trigger');
    });

    it('tasks --process with an unknown process lists the processes', async () => {
      const run = await sluice('tasks', '--process', 'nope');
      expect(run.code).toBe(3);
      expect(run.stderr).toContain("unknown process 'nope'; processes: echo, fail, load, refresh, slow");
    });

    it('task <id> --follow prints the log lines once each and exits 0 / 1 / 2 as the task ends', async () => {
      const ids: Record<string, string> = {};
      for (const process of ['echo', 'fail', 'slow']) ids[process] = (await sluice('invoke', process, '--async')).stdout.trim();
      const echo = await sluice('task', ids.echo!, '--follow');
      expect(echo.code).toBe(0);
      expect(echo.stderr.match(/looking at the input/g)).toHaveLength(1);
      expect(json(echo.stdout)).toEqual({ echoed: {} });
      const fail = await sluice('task', ids.fail!, '--follow');
      expect(fail.code).toBe(1);
      expect(fail.stderr).toContain('[load] about to fail');
      expect((await sluice('task', ids.slow!, '--follow')).code).toBe(2);
    });

    it('task <id> shows a task (exit 0 whatever its status); an unknown id exits 3', async () => {
      const id = (await sluice('invoke', 'fail', '--async')).stdout.trim();
      await harness.waitForTask(id);
      const run = await sluice('task', id);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/status\s+failed/);
      expect(run.stdout).toContain('warehouse rejected the batch');
      const missing = await sluice('task', 'no-such-task');
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain("no task 'no-such-task'");
    });
  });

  describe('triggers', () => {
    it('add, ls, pause, resume, rm', async () => {
      const added = await sluice('triggers', 'add', 'echo', '--kind', 'event', '--label', 'cli.*', '--note', 'from the test', '--json');
      expect(added.code).toBe(0);
      const trigger = json(added.stdout);
      expect(trigger).toMatchObject({ process: 'echo', source: 'runtime', spec: { kind: 'event', label: 'cli.*' }, paused: false });

      const listed = json((await sluice('triggers', 'ls', '--process', 'echo', '--json')).stdout) as Array<{ triggerId: string }>;
      expect(listed.map((t) => t.triggerId)).toContain(trigger.triggerId);

      expect((await sluice('triggers', 'pause', trigger.triggerId)).stdout).toContain('paused');
      const table = (await sluice('triggers', 'ls', '--process', 'echo')).stdout;
      expect(table).toMatch(new RegExp(`${trigger.triggerId}.*cli\\.\\*.*runtime.*paused`));
      expect((await sluice('triggers', 'resume', trigger.triggerId)).stdout).toContain('active');

      expect((await sluice('triggers', 'rm', trigger.triggerId)).code).toBe(0);
      const after = json((await sluice('triggers', 'ls', '--json')).stdout) as Array<{ triggerId: string }>;
      expect(after.map((t) => t.triggerId)).not.toContain(trigger.triggerId);
      const gone = await sluice('triggers', 'rm', trigger.triggerId);
      expect(gone.code).toBe(3);
    });

    it('add --kind http --authorizer/--scope protects the route; without one it warns on stderr that the route is public', async () => {
      const jwt = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'get', '--path', '/cli/jwt', '--authorizer', 'cli', '--scope', 'a.read', '--scope', 'a.write', '--json');
      expect(jwt.code, jwt.stderr).toBe(0);
      expect(json(jwt.stdout).spec).toEqual({ kind: 'http', method: 'GET', path: '/cli/jwt', mode: 'sync', authorizer: { name: 'cli', scopes: ['a.read', 'a.write'] } });
      expect(jwt.stderr).not.toContain('public');
      // Enforced, not only recorded: no token, a 401 and nothing runs.
      expect((await fetch(`${harness.url}/cli/jwt`)).status).toBe(401);

      const iam = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'GET', '--path', '/cli/iam', '--authorizer', 'aws_iam', '--json');
      expect(iam.code, iam.stderr).toBe(0);
      expect(json(iam.stdout).spec.authorizer).toBe('aws_iam');

      const open = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'GET', '--path', '/cli/open', '--json');
      expect(open.code, open.stderr).toBe(0);
      const record = json(open.stdout);
      expect(record.spec.authorizer).toBeUndefined();
      expect(open.stderr).toContain('warning: GET /cli/open is public');
      const plain = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'GET', '--path', '/cli/open2');
      expect(plain.stderr).toContain('warning: GET /cli/open2 is public');

      const table = (await sluice('triggers', 'ls', '--process', 'echo', '--kind', 'http')).stdout;
      expect(table).toMatch(/\bAUTH\b/);
      expect(table).toMatch(/GET \/cli\/jwt \(sync\)\s+cli \(a\.read a\.write\)/);
      expect(table).toMatch(/GET \/cli\/iam \(sync\)\s+aws_iam/);
      expect(table).toMatch(/GET \/cli\/open \(sync\)\s+public/);

      const unknown = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'GET', '--path', '/cli/x', '--authorizer', 'nope');
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toContain("no authorizer 'nope'");
      const scopeAlone = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'GET', '--path', '/cli/x', '--scope', 'a');
      expect(scopeAlone.code).toBe(64);
      expect(scopeAlone.stderr).toContain('--scope needs --authorizer');
      for (const id of [json(jwt.stdout).triggerId, json(iam.stdout).triggerId, record.triggerId, plain.stdout.trim()]) expect((await sluice('triggers', 'rm', id)).code).toBe(0);
    });

    it('a static route shows its authorizer (GET /sluice/triggers, GET /sluice/processes, triggers ls), its id unchanged', async () => {
      const statics = (await harness.call('/sluice/triggers?process=echo&kind=http')).body.items.filter((t: { source: string }) => t.source === 'static');
      expect(statics).toEqual([
        expect.objectContaining({ process: 'echo', spec: { kind: 'http', method: 'POST', path: '/echo', mode: 'sync', authorizer: { name: 'cli', scopes: ['echo.call'] } } }),
      ]);
      // The id is the process, method and path only: the same as before the spec carried the authorizer (pauses recorded under it still apply).
      expect(statics[0].triggerId).toBe(staticTriggerId('echo', { kind: 'http', method: 'POST', path: '/echo', mode: 'sync' }));
      const echo = (await harness.call('/sluice/processes')).body.items.find((p: { name: string }) => p.name === 'echo');
      expect(echo.triggers.http).toEqual([{ method: 'POST', path: '/echo', authorizer: { name: 'cli', scopes: ['echo.call'] } }]);
      const table = (await sluice('triggers', 'ls', '--process', 'echo', '--kind', 'http')).stdout;
      expect(table).toMatch(/POST \/echo \(sync\)\s+cli \(echo\.call\)\s+static/);
      // A runtime route carved out of it is still refused.
      const carved = await sluice('triggers', 'add', 'fail', '--kind', 'http', '--method', 'POST', '--path', '/echo', '--authorizer', 'cli');
      expect(carved.code).toBe(3);
      expect(carved.stderr).toContain(statics[0].triggerId);
    });

    it('add checks the flags its kind needs', async () => {
      const run = await sluice('triggers', 'add', 'echo', '--kind', 'http', '--method', 'GET');
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('--kind http needs --path');
    });
  });

  describe('events, lineage', () => {
    it('events search and lineage follow what load and its subscriber refresh wrote', async () => {
      const load = await sluice('invoke', 'load', '--json');
      expect(load.code).toBe(0);
      const loadTask = json(load.stdout).taskId as string;
      await eventually(async () => (await harness.call('/sluice/events?label=orders.refreshed')).body.items.length > 0, { what: 'the refresh event' });

      const search = await sluice('events', 'search', '--label', 'orders.loaded', '--task', loadTask, '--json');
      expect(search.code).toBe(0);
      expect(json(search.stdout)).toEqual([expect.objectContaining({ label: 'orders.loaded', source: 's3://landing/orders.csv', target: 'postgres://warehouse/public.orders', process: 'load', taskId: loadTask })]);

      const lineage = await sluice('lineage', 'postgres://warehouse/public.order_totals', '--direction', 'upstream', '--depth', '2', '--json');
      expect(lineage.code).toBe(0);
      const ids = (json(lineage.stdout).nodes as Array<{ id: string }>).map((n) => n.id);
      expect(ids).toEqual(expect.arrayContaining(['s3://landing/orders.csv', 'postgres://warehouse/public.orders', 'postgres://warehouse/public.order_totals']));

      const table = await sluice('lineage', 'postgres://warehouse/public.orders');
      expect(table.stdout).toContain('s3://landing/orders.csv → postgres://warehouse/public.orders');
    });
  });

  describe('kv', () => {
    it('set, get, rm (a key with a space, a slash and a percent sign)', async () => {
      const key = 'cursors/orders 100%';
      expect((await sluice('kv', 'set', key, '{"at":"2001-01-01"}')).code).toBe(0);
      expect(json((await sluice('kv', 'get', key)).stdout)).toEqual({ at: '2001-01-01' });
      expect((await harness.call(`/sluice/kv/${encodeURIComponent(encodeURIComponent('cursors'))}/${encodeURIComponent(encodeURIComponent('orders 100%'))}`)).body.value).toEqual({ at: '2001-01-01' });
      expect((await sluice('kv', 'set', 'plain', 'just text')).code).toBe(0);
      expect(json((await sluice('kv', 'get', 'plain')).stdout)).toBe('just text');
      expect((await sluice('kv', 'rm', key)).code).toBe(0);
      const gone = await sluice('kv', 'get', key);
      expect(gone.code).toBe(3);
      expect(gone.stderr).toContain('no key');
    });
  });

  describe('dlq', () => {
    it('ls lists the dead-letter queues; ls <process> shows its dead letters; replay moves them back', async () => {
      const id = (await sluice('invoke', 'fail', '--async')).stdout.trim();
      await harness.waitForTask(id);
      const dlqs = json((await sluice('dlq', 'ls', '--json')).stdout) as Array<{ name: string; visible: number; deadLetterFor: string[] }>;
      const failDlq = dlqs.find((q) => q.deadLetterFor.includes('cli-fixture-test-fail'))!;
      expect(failDlq.name).toBe('cli-fixture-test-fail-dlq');
      expect(failDlq.visible).toBeGreaterThan(0);

      const messages = json((await sluice('dlq', 'ls', 'fail', '--json')).stdout) as Array<{ body: string }>;
      expect(messages.some((m) => m.body.includes(id))).toBe(true);

      const replay = await sluice('dlq', 'replay', 'cli-fixture-test-fail-dlq');
      expect(replay.code).toBe(0);
      expect(replay.stdout).toMatch(/moved \d+ message\(s\) to cli-fixture-test-fail/);

      const unknown = await sluice('dlq', 'ls', 'nope');
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toMatch(/dead-letter queues: .*cli-fixture-test-echo-dlq/);
    });

    it('ls/replay <process> cover the DLQs of the queues it consumes: slow, fed by the feed queue, dead-letters into feed-dlq', async () => {
      const sent = await harness.call('/sluice/queues/cli-fixture-test-feed/messages', { method: 'POST', body: '{"from":"feed"}' });
      expect(sent.status, JSON.stringify(sent.body)).toBeLessThan(300);
      const { messageId } = sent.body as { messageId: string };
      const lsJson = async () => json((await sluice('dlq', 'ls', 'slow', '--json')).stdout) as Array<{ queue: string; messageId: string; receiveCount: number; task?: { status: string; error?: { name: string } } }>;
      const dead = await eventually(async () => (await lsJson()).find((m) => m.messageId === messageId && ['failed', 'timed_out'].includes(m.task?.status ?? '')), { what: 'the dead letter in feed-dlq', intervalMs: 500, timeoutMs: 20_000 });
      expect(dead.queue).toBe('cli-fixture-test-feed-dlq');
      // Its one receive in feed, kept across the move (SQS keeps ApproximateReceiveCount).
      expect(dead.receiveCount).toBe(1);

      const table = await sluice('dlq', 'ls', 'slow');
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/QUEUE\s+MESSAGE\s+SENT \(UTC\)\s+RECEIVES\s+TASK\s+STATUS\s+ERROR\s+BODY/);
      expect(table.stdout).toMatch(new RegExp(`cli-fixture-test-feed-dlq\\s+${messageId}\\s+\\S+ \\S+\\s+1\\s+\\S+\\s+(timed_out|failed)\\s+\\w+`));

      const replay = await sluice('dlq', 'replay', 'slow');
      expect(replay.code).toBe(0);
      expect(replay.stdout).toMatch(/moved 1 message\(s\) to cli-fixture-test-feed/);
      expect(replay.stdout).toMatch(/moved \d+ message\(s\) to cli-fixture-test-slow\b/);
      const several = await sluice('dlq', 'purge', 'slow', '--yes');
      expect(several.code).toBe(64);
      expect(several.stderr).toContain('cli-fixture-test-feed-dlq');
    });

    it('purge: asks on a terminal (n keeps, y purges), refuses without one unless --yes, --json prints the count', async () => {
      const dlq = 'cli-fixture-test-fail-dlq';
      const countIn = async (queue: string) => {
        const q = (await harness.call('/sluice/queues')).body.items.find((d: { name: string }) => d.name === queue) as { visible: number; inFlight: number; delayed: number };
        return q.visible + q.inFlight + q.delayed;
      };
      const count = () => countIn(dlq);
      // Dead letters moved back by the test before die again on their own time: wait until they have.
      await eventually(async () => ((await countIn('cli-fixture-test-fail')) === 0 ? true : undefined));
      const deadLetters = async (n: number) => {
        for (let i = 0; i < n; i++) await harness.waitForTask((await sluice('invoke', 'fail', '--async')).stdout.trim());
        return eventually(async () => ((await count()) >= n ? count() : undefined));
      };
      const before = await deadLetters(2);

      // No terminal, no --yes: refused, nothing deleted.
      const refused = await sluice('dlq', 'purge', 'fail');
      expect(refused.code).toBe(64);
      expect(refused.stderr).toContain('--yes');
      expect(await count()).toBe(before);

      // On a terminal: the count, then the answer decides.
      const no = await onTerminal(['dlq', 'purge', 'fail'], 'n\n', env);
      expect(no.code).toBe(0);
      expect(no.output).toContain(`delete ${before} message(s) from ${dlq}? [y/N]`);
      expect(no.output).toContain('nothing purged');
      expect(await count()).toBe(before);
      const yes = await onTerminal(['dlq', 'purge', dlq], 'y\n', env);
      expect(yes.code).toBe(0);
      expect(yes.output).toContain(`purged ${before} message(s) from ${dlq}`);
      expect(await count()).toBe(0);

      const again = await deadLetters(1);
      const scripted = await sluice('dlq', 'purge', 'fail', '--yes', '--json');
      expect(scripted.code).toBe(0);
      expect(json(scripted.stdout)).toEqual({ queue: dlq, purged: again });
      expect(await count()).toBe(0);

      const unknown = await sluice('dlq', 'purge', 'nope', '--yes');
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toContain("no dead-letter queue 'nope'");
    });
  });

  describe('output and errors', () => {
    it('no escape codes on a pipe or with NO_COLOR; FORCE_COLOR turns colours on', async () => {
      const piped = await sluice('tasks', '--limit', '5');
      expect(piped.stdout).toContain('STATUS');
      expect(piped.stdout + piped.stderr).not.toMatch(ANSI);
      expect((await runSluice(['tasks', '--limit', '5'], { ...env, FORCE_COLOR: '1' })).stdout).toMatch(ANSI);
      const noColor = await runSluice(['tasks', '--limit', '5'], { ...env, FORCE_COLOR: '1', NO_COLOR: '1' });
      expect(noColor.stdout + noColor.stderr).not.toMatch(ANSI);
      const failing = await runSluice(['invoke', 'fail'], { ...env, NO_COLOR: '1' });
      expect(failing.stderr).not.toMatch(ANSI);
    });

    it('no runtime at the URL: exit 5, saying how to start one', async () => {
      const run = await runSluice(['tasks'], { SLUICE_URL: 'http://127.0.0.1:1' });
      expect(run.code).toBe(5);
      expect(run.stderr).toContain('no Sluice runtime at http://127.0.0.1:1');
      expect(run.stderr).toContain('sluice start');
    });

    it('401: exit 4, saying how to give the token; the data directory\'s api-token file is read', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
      const none = await runSluice(['tasks', '--data-dir', empty], { SLUICE_URL: harness.url });
      expect(none.code).toBe(4);
      expect(none.stderr).toMatch(/needs an API token: give --token, set SLUICE_API_TOKEN, or point --data-dir/);
      const wrong = await runSluice(['tasks', '--token', 'wrong-token-0123456789'], { SLUICE_URL: harness.url });
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toContain('refused the API token from --token');
      writeFileSync(join(empty, 'api-token'), `${TOKEN}\n`);
      expect((await runSluice(['tasks', '--json'], { SLUICE_URL: harness.url, SLUICE_DATA_DIR: empty })).code).toBe(0);
    });

    it('an unusable command line exits 64', async () => {
      const run = await sluice('tasks', '--limti', '3');
      expect(run.code).toBe(64);
      expect(run.stderr).toContain("unknown option '--limti'");
      expect(run.stderr).toContain("Did you mean --limit?");
    });

    it('replay --dry-run counts what a bulk replay would take, and cancel of an unknown task is refused', async () => {
      const replay = await sluice('replay', '--process', 'echo', '--dry-run', '--json');
      expect(replay.code, replay.stderr).toBe(0);
      expect(JSON.parse(replay.stdout)).toMatchObject({ matched: expect.any(Number) });
      const cancel = await sluice('cancel', 'no-such-task');
      expect(cancel.code).toBe(3);
      expect(cancel.stderr).toMatch(/no-such-task|not found|NotFound/i);
    });

    it('replay --filter runs the job page by page: a progress bar on a terminal, the summed report with --json, nothing twice', async () => {
      const since = new Date().toISOString();
      for (let i = 0; i < 3; i++) await harness.waitForTask((await sluice('invoke', 'fail', '--async')).stdout.trim());
      const until = new Date().toISOString();
      const onTty = await onTerminal(['replay', '--process', 'fail', '--since', since, '--until', until, '--idempotency-key', 'bulk-cli'], '', env);
      expect(onTty.code, onTty.output).toBe(0);
      // The bar's total comes from a dry run first; it starts at 0 and ends full.
      expect(onTty.output).toMatch(/replaying +\[-+\] 0\/3/);
      expect(onTty.output).toMatch(/replaying +\[=+\] 3\/3/);
      expect(onTty.output).toContain('replayed 3 task(s)');
      // The same job again (same key): every replay is already there.
      const again = await sluice('replay', '--process', 'fail', '--since', since, '--until', until, '--idempotency-key', 'bulk-cli', '--json');
      expect(again.code).toBe(0);
      expect(json(again.stdout)).toEqual({ dryRun: false, matched: 3, replayed: 0, alreadyReplayed: 3, noPayload: 0, skipped: 0 });
      expect(again.stderr).not.toMatch(ANSI);
    });

    it('replay of tasks without a kept payload: the dry run counts them apart and exits 1, so does the run; replay <id> --payload gives one', async () => {
      const since = new Date().toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${harness.url}/fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
        expect(response.status).toBe(500);
        ids.push(response.headers.get('x-sluice-task-id')!);
      }
      const filter = `process=fail,status=failed,since=${since}`;
      const dry = await sluice('replay', '--filter', filter, '--dry-run');
      expect(dry.code).toBe(1);
      expect(dry.stdout).toContain('0 task(s) would be replayed, 2 without a kept payload');
      expect(dry.stderr).toContain('none of the 2 matching task(s) can be replayed');
      expect(json((await sluice('replay', '--filter', filter, '--dry-run', '--json')).stdout)).toMatchObject({ dryRun: true, matched: 2, noPayload: 2 });
      const run = await sluice('replay', '--filter', filter);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('replayed 0 task(s), 2 without a kept payload');

      const refused = await sluice('replay', ids[0]!);
      expect(refused.code).toBe(3);
      const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
      writeFileSync(join(dir, 'payload.json'), '{"again":true}');
      for (const payload of ['{"again":true}', `@${join(dir, 'payload.json')}`]) {
        const given = await sluice('replay', ids[0]!, '--payload', payload, '--json');
        expect(given.code, given.stderr).toBe(0);
        const replay = await harness.waitForTask(json(given.stdout).taskId);
        expect(replay).toMatchObject({ process: 'fail', replayOf: ids[0], payload: { type: 'api', body: { again: true } } });
      }
      const bulkWithPayload = await sluice('replay', '--filter', filter, '--payload', '{}');
      expect(bulkWithPayload.code).toBe(64);
    });

    it('--help lists the commands and the exit codes', async () => {
      const run = await sluice('--help');
      expect(run.code).toBe(0);
      for (const command of ['start', 'invoke', 'tasks', 'task', 'replay', 'triggers', 'events', 'lineage', 'dlq', 'kv']) expect(run.stdout).toMatch(new RegExp(`\\n  ${command} `));
      expect(run.stdout).toContain('Exit codes:');
    });
  });
});
