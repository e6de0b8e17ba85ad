import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice } from './runSluice.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * Task replay, bulk replay and cancel are routes another branch is adding
 * (README "The platform API"): until a runtime serves them, this checks that
 * the CLI sends exactly the documented requests, to a server that records
 * them and answers as the documentation says.
 */
describe('sluice replay / cancel: the requests the CLI sends', { timeout: 120_000 }, () => {
  let server: Server;
  let url: string;
  const requests: Recorded[] = [];
  const env = () => ({ SLUICE_URL: url, SLUICE_API_TOKEN: 'test-token-0123456789abcdef' });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: text ? JSON.parse(text) : undefined });
        res.setHeader('content-type', 'application/json');
        const path = req.url!.split('?')[0]!;
        if (path === '/sluice/processes') return res.end(JSON.stringify({ items: [{ name: 'load', timeoutSeconds: 5, async: true, triggers: { http: [], queues: [], schedules: [] } }] }));
        if (path === '/sluice/tasks/replay') {
          // The report's documented shape: a run replays both matches, a dry run none.
          const dryRun = (JSON.parse(text) as { dryRun: boolean }).dryRun;
          return res.end(JSON.stringify({ dryRun, matched: 2, replayed: dryRun ? 0 : 2, alreadyReplayed: 0, noPayload: 0, skipped: 0, truncated: false }));
        }
        if (path.endsWith('/replay')) return res.end(JSON.stringify({ taskId: 'R1' }));
        if (path.endsWith('/cancel')) return res.end(JSON.stringify({ taskId: 'T9', status: 'cancelled' }));
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'NotFound', message: `no route ${req.method} ${path}` }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('replay <id> posts to /sluice/tasks/{id}/replay and prints the new task id', async () => {
    requests.length = 0;
    const run = await runSluice(['replay', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV'], env());
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('R1');
    expect(requests).toEqual([expect.objectContaining({ method: 'POST', url: '/sluice/tasks/-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV/replay' })]);
  });

  it('replay --filter ... --dry-run posts { filter, dryRun } with an Idempotency-Key, after checking the process', async () => {
    requests.length = 0;
    const run = await runSluice(['replay', '--process', 'load', '--status', 'failed', '--since', '2026-11-01', '--until', '2026-11-02T00:00:00Z', '--dry-run', '--idempotency-key', 'k-1'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 task(s) would be replayed');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /sluice/processes', 'POST /sluice/tasks/replay']);
    expect(requests[1]!.body).toEqual({ filter: { process: 'load', status: 'failed', since: '2026-11-01T00:00:00.000Z', until: '2026-11-02T00:00:00.000Z' }, dryRun: true, maxTasks: 10_000 });
    expect(requests[1]!.headers['idempotency-key']).toBe('k-1');
    expect(requests[1]!.headers.authorization).toBe('Bearer test-token-0123456789abcdef');
  });

  it('replay --filter k=v,... is the same filter in one flag', async () => {
    requests.length = 0;
    const run = await runSluice(['replay', '--filter', 'process=load,status=failed,since=2026-11-01', '--json'], env());
    expect(run.code).toBe(0);
    // The job's pages summed (this server answers one page, with no cursor to go on).
    expect(JSON.parse(run.stdout)).toMatchObject({ matched: 2 });
    expect(requests[1]!.body).toEqual({ filter: { process: 'load', status: 'failed', since: '2026-11-01T00:00:00.000Z' }, dryRun: false, maxTasks: 100 });
    expect(requests[1]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await runSluice(['replay', '--filter', 'colour=red'], env())).stderr).toContain("unknown filter key 'colour'");
  });

  it('replay refuses an id and a filter together, and an unknown process with the list', async () => {
    expect((await runSluice(['replay', 'T1', '--process', 'load'], env())).code).toBe(64);
    const unknown = await runSluice(['replay', '--process', 'nope'], env());
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("unknown process 'nope'; processes: load");
  });

  it('cancel posts to /sluice/tasks/{id}/cancel', async () => {
    requests.length = 0;
    const run = await runSluice(['cancel', 'T9'], env());
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('T9 cancelled');
    expect(requests).toEqual([expect.objectContaining({ method: 'POST', url: '/sluice/tasks/T9/cancel' })]);
  });
});
