import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './runtimeHarness.js';

describe('embedded runtime: synchronous HTTP routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('answers with the task result, the task id header, and stores the task with its logs', async () => {
    const res = await h.call('/echo/42?tag=a&tag=b', { method: 'POST', json: { n: 7 }, auth: false, headers: { 'X-Trace': 'abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const taskId = res.headers.get('x-sluice-task-id')!;
    expect(taskId).toMatch(/^[A-Za-z0-9_-]{30}$/);
    expect(res.body).toMatchObject({
      taskId,
      attempt: 1,
      greeting: 'hello', // serverless.yml provider.environment reaches process.env
      input: { n: 7 },
      payload: {
        type: 'http',
        method: 'POST',
        path: '/echo/42',
        route: '/echo/{id}',
        pathParameters: { id: '42' },
        query: { tag: 'a,b' },
        body: { n: 7 },
      },
    });
    expect(res.body.payload.headers['x-trace']).toBe('abc');
    const stored = await h.task(taskId);
    expect(stored).toMatchObject({
      taskId,
      process: 'echo',
      status: 'succeeded',
      trigger: { type: 'http', method: 'POST', path: '/echo/42', route: '/echo/{id}' },
      attempts: 1,
      result: res.body,
    });
    expect(stored.logs).toEqual([expect.objectContaining({ level: 'info', logic: 'look', message: 'looked' })]);
  });

  it('routes the most specific path first, whatever the declaration order', async () => {
    const special = await h.call('/echo/special', { auth: false });
    expect(special.body.payload.route).toBe('/echo/special');
    const other = await h.call('/echo/7', { auth: false });
    expect(other.body.payload).toMatchObject({ route: '/echo/{id}', pathParameters: { id: '7' } });
  });

  it('uses the query as input when a request has no body', async () => {
    const res = await h.call('/echo/1?note=hi', { auth: false });
    expect(res.body.input).toEqual({ note: 'hi' });
  });

  it('lets the process choose the status and headers', async () => {
    const res = await h.call('/echo/1', { method: 'POST', json: { status: 201 }, auth: false });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
  });

  it('answers 500 with the structured error of a failed task, after the railway ran', async () => {
    const res = await h.call('/fail', { method: 'POST', auth: false });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      taskId: res.headers.get('x-sluice-task-id'),
      error: { kind: 'logic', name: 'Error', message: 'warehouse rejected the batch', logic: 'load' },
      result: { rolledBack: true, failedIn: 'load' },
    });
    const stored = await h.task(res.body.taskId);
    expect(stored.status).toBe('failed');
    expect(stored.logs.map((l) => l.message)).toContain('compensating for load');
  });

  it('answers 504 when the function timeout elapses, and records timed_out', async () => {
    const res = await h.call('/slow', { method: 'POST', json: { ms: 5000 }, auth: false });
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ kind: 'timeout', name: 'TimeoutError', logic: 'wait' });
    expect((await h.task(res.body.taskId)).status).toBe('timed_out');
  });

  it('throttles requests beyond reservedConcurrency (429) instead of running them at once', async () => {
    // slow has reservedConcurrency 1: of three 300 ms tasks sent together, the ones that run cannot overlap.
    const results = await Promise.all([1, 2, 3].map(() => h.call('/slow', { method: 'POST', json: { ms: 300 }, auth: false })));
    const ran = results.filter((r) => r.status === 200);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 200 || (r.status === 429 && r.body.error === 'ThrottledError'))).toBe(true);
    const tasks = await Promise.all(ran.map((r) => h.task(r.headers.get('x-sluice-task-id')!)));
    const spans = tasks.map((t) => [Date.parse(t.startedAt!), Date.parse(t.finishedAt!)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  describe('bad input: a precise JSON 4xx, no task, and the runtime keeps serving', () => {
    it('400 for malformed JSON', async () => {
      const res = await h.call('/echo/1', { method: 'POST', body: '{"n":', headers: { 'content-type': 'application/json' }, auth: false });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'MalformedInputError' });
      expect(res.headers.get('x-sluice-task-id')).toBeNull();
    });

    it('400 listing the fields for a schema violation', async () => {
      const res = await h.call('/echo/1', { method: 'POST', json: { n: 'seven', status: 1.5 }, auth: false });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('ValidationError');
      expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['n', 'status']);
    });

    it('413 for a body over the limit (4096 bytes in this service)', async () => {
      const res = await h.call('/echo/1', { method: 'POST', json: { note: 'x'.repeat(5000) }, auth: false });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('PayloadTooLargeError');
    });

    it("404 { message: 'Not Found' } for an unknown route and for a known path with another method, as API Gateway answers", async () => {
      for (const [method, path] of [['GET', '/nowhere'], ['GET', '/fail'], ['DELETE', '/echo/1']] as const) {
        const res = await h.call(path, { method, auth: false });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body).toEqual({ error: 'NotFound', message: 'Not Found' });
        expect(res.headers.get('allow')).toBeNull();
      }
    });

    it('still serves after all of that', async () => {
      const res = await h.call('/echo/9', { method: 'POST', json: {}, auth: false });
      expect(res.status).toBe(200);
    });
  });
});
