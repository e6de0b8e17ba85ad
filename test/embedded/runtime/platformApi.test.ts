import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './runtimeHarness.js';

describe('embedded runtime: platform API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('serves health without a token and everything else only with one', async () => {
    expect((await h.call('/sluice/health', { auth: false })).status).toBe(200);
    for (const path of ['/sluice/processes', '/sluice/tasks', '/sluice/tasks/abc', '/sluice/queues']) {
      const res = await h.call(path, { auth: false });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const wrong = await h.call('/sluice/tasks', { auth: false, headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/control-plane API token/);
    expect(wrong.body.message).not.toMatch(/JWT/);
    // A JWT sent to the control plane: the answer says which token goes where.
    const jwt = await h.call('/sluice/tasks', { auth: false, headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln' } });
    expect(jwt.status).toBe(401);
    expect(jwt.body.message).toMatch(/not a JWT; JWTs \(npx sluice token\) are for process routes/);
  });

  it('lists the processes with their triggers', async () => {
    const res = await h.call('/sluice/processes');
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.items.map((p: { name: string }) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['direct', 'echo', 'fail', 'slow', 'stream', 'tick']);
    expect(byName.echo.triggers.http).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/echo/{id}' },
        { method: 'GET', path: '/echo/special' },
      ]),
    );
    expect(byName.stream.triggers.queues).toEqual([{ queue: 'fx-test-stream', batchSize: 5, enabled: true }]);
    // The railway the dashboard draws: logic names in order, then the aggregator's.
    expect(byName.echo.railway).toEqual(['look', 'reply']);
    expect(byName.tick.triggers.schedules.map((s: { expression: string; enabled: boolean }) => [s.expression, s.enabled])).toEqual([
      ['cron(0 10 ? * MON-FRI *)', true],
      ['rate(5 minutes)', true],
      ['cron(0 12 * * ? *)', false],
    ]);
  });

  it('refuses async tasks for a process without a task queue', async () => {
    const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'direct', payload: {} } });
    expect(res).toMatchObject({ status: 409, body: { error: 'AsyncDisabledError' } });
  });

  it('runs an async task: 202 at once, then queued -> succeeded with result and logs', async () => {
    const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: { n: 1 } } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ process: 'echo', status: 'queued', links: { self: `/sluice/tasks/${res.body.taskId}` } });
    expect(res.headers.get('location')).toBe(`/sluice/tasks/${res.body.taskId}`);
    const done = await h.waitForTask(res.body.taskId);
    expect(done).toMatchObject({
      status: 'succeeded',
      trigger: { type: 'api' },
      attempts: 1,
      result: { input: { n: 1 }, payload: { type: 'api', body: { n: 1 } } },
    });
    expect(done.logs).toHaveLength(1);
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
  });

  it('is idempotent: the same key and payload return the same task; another payload is a 409', async () => {
    const key = `order-${Date.now()}`;
    const first = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: { n: 5, note: 'x' } }, headers: { 'idempotency-key': key } });
    // Key order does not matter: payloads are compared canonically.
    const again = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: { note: 'x', n: 5 } }, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(202);
    expect(again.body.taskId).toBe(first.body.taskId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const conflict = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: { n: 6 } }, headers: { 'idempotency-key': key } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe('IdempotencyConflictError');
    await h.waitForTask(first.body.taskId);
    const listed = await h.call('/sluice/tasks?process=echo&limit=100');
    expect(listed.body.items.filter((t: { idempotencyKey?: string }) => t.idempotencyKey === key)).toHaveLength(1);
  });

  it('rejects bad submissions precisely', async () => {
    const unknown = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'nope', payload: {} } });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'UnknownProcessError' } });
    const invalid = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'slow', payload: { ms: 'soon' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues).toEqual([expect.objectContaining({ path: 'ms' })]);
    const malformed = await h.call('/sluice/tasks', { method: 'POST', body: '{"process":' });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'MalformedInputError' } });
    const extra = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: {}, priority: 1 } });
    expect(extra.status).toBe(400);
    const huge = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: { note: 'x'.repeat(5000) } } });
    expect(huge.status).toBe(413);
    const badKey = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'echo', payload: {} }, headers: { 'idempotency-key': 'a'.repeat(300) } });
    expect(badKey.status).toBe(400);
    expect((await h.call('/sluice/tasks', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers 404 for an unknown task', async () => {
    const res = await h.call('/sluice/tasks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(res).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });

  it('lists tasks newest first, filtered and paginated', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.call('/echo/1', { method: 'POST', json: { n: i }, auth: false })).headers.get('x-sluice-task-id')!);
    await h.call('/fail', { method: 'POST', auth: false });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.call(`/sluice/tasks?process=echo&status=succeeded&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const item of page.body.items) {
        expect(item).toMatchObject({ process: 'echo', status: 'succeeded' });
        expect(item).not.toHaveProperty('result');
      }
      seen.push(...page.body.items.map((t: { taskId: string }) => t.taskId));
      cursor = page.body.nextCursor;
    } while (cursor);
    // The five just created come first, newest first.
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    const failed = await h.call('/sluice/tasks?status=failed&limit=1');
    expect(failed.body.items[0]).toMatchObject({ process: 'fail', status: 'failed' });
    expect((await h.call('/sluice/tasks?limit=0')).status).toBe(400);
    expect((await h.call('/sluice/tasks?status=done')).status).toBe(400);
    expect((await h.call('/sluice/tasks?cursor=@@@')).status).toBe(400);
    // An undeclared process is a 404, as POST /sluice/tasks answers, not an empty page that looks like "no tasks yet".
    expect(await h.call('/sluice/tasks?process=nope')).toMatchObject({ status: 404, body: { error: 'UnknownProcessError', message: "unknown process 'nope'" } });
    expect((await h.call('/sluice/tasks/counts?process=nope')).status).toBe(404);
    // A repeated key is refused by name, not joined into a value that could look valid (a process named `echo,fail`).
    const repeated = await h.call('/sluice/tasks?process=echo&process=fail');
    expect(repeated).toMatchObject({ status: 400, body: { issues: [{ path: 'process', message: 'given more than once' }] } });
    expect((await h.call('/sluice/events?label=a&label=b')).status).toBe(400);
    expect((await h.call('/sluice/triggers?kind=http&kind=queue')).status).toBe(400);
  });
});
