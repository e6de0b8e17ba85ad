import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardProxy, type DashboardProxy } from '../../lib/cli/DashboardProxy.js';
import { CREDENTIALS, expectedSignature, type Recorded } from '../helpers/sigV4.js';

const credentials = async () => ({ accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY });

describe('sluice dashboard: the local proxy to an IAM-authorized API', { timeout: 60_000 }, () => {
  let upstream: Server;
  let upstreamUrl: string;
  const requests: Recorded[] = [];
  let proxy: DashboardProxy;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.method === 'POST') res.writeHead(202, { 'content-type': 'application/json', location: '/sluice/tasks/T1', 'set-cookie': 'x=y' }).end('{"taskId":"T1"}');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
      });
    });
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/prod`;
    proxy = await startDashboardProxy({
      target: { kind: 'sigv4', url: upstreamUrl, region: 'eu-west-1' },
      credentials,
      assets: async (path) => (path === '/sluice/ui/' ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<h1>dash</h1>' } : undefined),
    });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((done) => upstream.close(() => done()));
  });

  it('serves the dashboard files without a token, and listens on 127.0.0.1 only', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${proxy.url}/sluice/ui/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<h1>dash</h1>');
    expect((await fetch(`${proxy.url}/sluice/ui/nope.js`)).status).toBe(404);
    const root = await fetch(`${proxy.url}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/sluice/ui/');
  });

  it('forwards /sluice/* only with the run token, signed with SigV4 for execute-api, the local token not forwarded', async () => {
    requests.length = 0;
    expect((await fetch(`${proxy.url}/sluice/tasks`)).status).toBe(401);
    expect((await fetch(`${proxy.url}/sluice/tasks`, { headers: { authorization: `Bearer ${proxy.token}x` } })).status).toBe(401);
    expect((await fetch(`${proxy.url}/elsewhere`, { headers: { authorization: `Bearer ${proxy.token}` } })).status).toBe(404);
    expect(requests).toHaveLength(0);

    const auth = { authorization: `Bearer ${proxy.token}` };
    const list = await fetch(`${proxy.url}/sluice/tasks?status=failed&limit=5`, { headers: { ...auth, cookie: 'secret=1' } });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [] });
    const submit = await fetch(`${proxy.url}/sluice/tasks`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'k-1' }, body: '{"process":"echo","payload":{"a":"b c"}}' });
    expect(submit.status).toBe(202);
    expect(submit.headers.get('location')).toBe('/sluice/tasks/T1');
    expect(submit.headers.get('set-cookie')).toBeNull();

    expect(requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/prod/sluice/tasks?status=failed&limit=5'],
      ['POST', '/prod/sluice/tasks'],
    ]);
    for (const request of requests) {
      const signature = request.headers.authorization as string;
      expect(signature).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
      expect(signature.slice(-64)).toBe(expectedSignature(request, 'eu-west-1', CREDENTIALS.AWS_SECRET_ACCESS_KEY));
      expect(request.headers.cookie).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(proxy.token);
    }
    expect(requests[1]).toMatchObject({ body: '{"process":"echo","payload":{"a":"b c"}}' });
    expect(requests[1]!.headers['idempotency-key']).toBe('k-1');
  });

  it('forwards nothing outside /sluice/*, dot segments (plain or encoded) resolved first; a base URL with a query is refused', async () => {
    requests.length = 0;
    const auth = { authorization: `Bearer ${proxy.token}` };
    for (const path of ['/sluice/../private', '/sluice/%2e%2e/private', '/sluice/%2E%2E/%2e%2e/etc', '/sluice/tasks/../../x']) {
      const answer = await rawGet(proxy.url, path, auth);
      expect(answer, path).toBe(404);
    }
    expect(requests).toHaveLength(0);
    // A dot segment that stays inside /sluice is resolved, then forwarded as the API would resolve it.
    expect(await rawGet(proxy.url, '/sluice/kv/../tasks', auth)).toBe(200);
    expect(requests.map((r) => r.url)).toEqual(['/prod/sluice/tasks']);
    await expect(startDashboardProxy({ target: { kind: 'bearer', url: 'http://h/base?x', token: 't', tokenSource: 'test' }, assets: async () => undefined })).rejects.toThrow(/query or a fragment/);
  });

  it('refuses a body over its limit with 413, and says 502 when the API is unreachable', async () => {
    const small = await startDashboardProxy({ target: { kind: 'bearer', url: 'http://127.0.0.1:1', token: 't', tokenSource: 'test' }, assets: async () => undefined, maxBodyBytes: 10 });
    try {
      const auth = { authorization: `Bearer ${small.token}` };
      expect((await fetch(`${small.url}/sluice/tasks`, { method: 'POST', headers: auth, body: 'x'.repeat(11) })).status).toBe(413);
      const down = await fetch(`${small.url}/sluice/tasks`, { headers: auth });
      expect(down.status).toBe(502);
      expect(await down.json()).toMatchObject({ error: 'BadGateway' });
    } finally {
      await small.close();
    }
  });
});

/** A GET with the path sent as given (fetch would resolve its dot segments first); resolves to the status. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}
