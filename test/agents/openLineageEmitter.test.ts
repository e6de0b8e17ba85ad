import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpenLineageEmitter, type OpenLineageEmitFailure } from '../../lib/agents/openlineage/OpenLineageEmitter.js';
import { runEventsOf } from '../../lib/core/openlineage/runEventsOf.js';
import { SOURCE, task } from '../unit/core/openlineage/openLineageFixtures.js';

const KEY = 'ol-key-9f3b2c7d';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A local OpenLineage endpoint that records what it receives and answers each request with the next planned status ('hang': never answers). */
async function lineageServer(plan: Array<number | 'hang'> = []): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const next = plan.shift() ?? 201;
      if (next === 'hang') return;
      res.writeHead(next, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  vi.restoreAllMocks();
});

const events = () => runEventsOf(task('succeeded'), [], SOURCE);
const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('OpenLineageEmitter (against a local HTTP server)', () => {
  it('posts each event as JSON, in order, to {url}/api/v1/lineage with the key as a bearer token', async () => {
    const { url, received } = await lineageServer();
    const failures: OpenLineageEmitFailure[] = [];
    const emitter = new OpenLineageEmitter({ url, apiKey: KEY, onFailure: (f) => failures.push(f), ...fast });
    const sent = events();
    expect(await emitter.emit(sent)).toEqual({ sent: 2, failed: 0 });
    expect(failures).toEqual([]);
    expect(received.map((r) => [r.method, r.url, r.headers['content-type'], r.headers.authorization])).toEqual([
      ['POST', '/api/v1/lineage', 'application/json', `Bearer ${KEY}`],
      ['POST', '/api/v1/lineage', 'application/json', `Bearer ${KEY}`],
    ]);
    expect(received.map((r) => r.body)).toEqual(sent);
  });

  it('sends no Authorization header without a key, and joins url and endpoint as paths', async () => {
    const { url, received } = await lineageServer();
    const emitter = new OpenLineageEmitter({ url: `${url}/lineage`, endpoint: '/v1/events', ...fast });
    expect(emitter.target).toBe(`${url}/lineage/v1/events`);
    await emitter.emit(events().slice(0, 1));
    expect(received[0]!.url).toBe('/lineage/v1/events');
    expect(received[0]!.headers).not.toHaveProperty('authorization');
  });

  it('retries a 500 and delivers on the next attempt', async () => {
    const { url, received } = await lineageServer([500, 200]);
    const failures: OpenLineageEmitFailure[] = [];
    const emitter = new OpenLineageEmitter({ url, apiKey: KEY, onFailure: (f) => failures.push(f), ...fast });
    const [start] = events();
    expect(await emitter.emit([start!])).toEqual({ sent: 1, failed: 0 });
    expect(received).toHaveLength(2);
    expect(received[1]!.body).toEqual(received[0]!.body);
    expect(failures).toEqual([]);
  });

  it('gives up after maxAttempts of 503, and does not retry a 400', async () => {
    const { url, received } = await lineageServer([503, 503, 503, 400]);
    const failures: OpenLineageEmitFailure[] = [];
    const emitter = new OpenLineageEmitter({ url, apiKey: KEY, maxAttempts: 3, onFailure: (f) => failures.push(f), ...fast });
    const [start, complete] = events();
    expect(await emitter.emit([start!, complete!])).toEqual({ sent: 0, failed: 2 });
    expect(received).toHaveLength(4);
    expect(failures).toEqual([
      { runId: start!.run.runId, eventType: 'START', job: 'shop-prod/loadFlights', attempts: 3, status: 503, reason: 'HTTP 503' },
      { runId: complete!.run.runId, eventType: 'COMPLETE', job: 'shop-prod/loadFlights', attempts: 1, status: 400, reason: 'HTTP 400' },
    ]);
    expect(JSON.stringify(failures)).not.toContain(KEY);
  });

  it('reports a server that is down, without throwing', async () => {
    const { url, server } = await lineageServer();
    await new Promise((resolve) => server.close(resolve));
    const failures: OpenLineageEmitFailure[] = [];
    const emitter = new OpenLineageEmitter({ url, apiKey: KEY, maxAttempts: 2, onFailure: (f) => failures.push(f), ...fast });
    expect(await emitter.emit(events())).toEqual({ sent: 0, failed: 2 });
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ attempts: 2, reason: expect.stringContaining('ECONNREFUSED') });
    expect(failures[0]).not.toHaveProperty('status');
  });

  it('ends an attempt that gets no answer at its timeout', async () => {
    const { url, received } = await lineageServer(['hang', 'hang']);
    const failures: OpenLineageEmitFailure[] = [];
    const emitter = new OpenLineageEmitter({ url, maxAttempts: 2, timeoutMs: 50, onFailure: (f) => failures.push(f), ...fast });
    expect(await emitter.emit(events().slice(0, 1))).toEqual({ sent: 0, failed: 1 });
    expect(received).toHaveLength(2);
    expect(failures[0]).toMatchObject({ attempts: 2, reason: 'timed out after 50 ms' });
  });

  it('logs a failure without the key by default, and survives a throwing reporter', async () => {
    const { url } = await lineageServer([401, 401]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await new OpenLineageEmitter({ url, apiKey: KEY, ...fast }).emit(events().slice(0, 1));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('HTTP 401');
    expect(String(warn.mock.calls[0]![0])).not.toContain(KEY);
    const throwing = new OpenLineageEmitter({ url, apiKey: KEY, onFailure: () => { throw new Error('reporter down'); }, ...fast });
    await expect(throwing.emit(events().slice(0, 1))).resolves.toEqual({ sent: 0, failed: 1 });
  });

  it('refuses a url that is not http(s) when built', () => {
    expect(() => new OpenLineageEmitter({ url: 'ftp://lineage.example.com' })).toThrow(TypeError);
  });
});
