import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../lib/cli/resolveTarget.js';
import { runSluice } from './runSluice.js';
import { CREDENTIALS, expectedSignature, ISOLATED, type Recorded } from '../helpers/sigV4.js';

describe('SigV4 for the IAM-authorized platform API', { timeout: 120_000 }, () => {
  let server: Server;
  let url: string;
  const requests: Recorded[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST') {
          res.statusCode = 202;
          res.end(JSON.stringify({ taskId: 'T1', process: 'echo', status: 'queued', createdAt: new Date().toISOString() }));
        } else res.end(JSON.stringify({ items: [] }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('signs a GET with a query and a POST with a body (service execute-api, the given region), with no bearer token', async () => {
    const env = { ...CREDENTIALS, ...ISOLATED, SLUICE_API_TOKEN: 'never-sent-0123456789' };
    const list = await runSluice(['tasks', '--url', url, '--aws', '--region', 'eu-west-1', '--status', 'failed', '--limit', '5', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const invoke = await runSluice(['invoke', 'echo', '--url', url, '--aws', '--region', 'eu-west-1', '--data', '{"a":"b c"}', '--async'], env);
    expect(invoke.code).toBe(0);
    expect(invoke.stdout.trim()).toBe('T1');

    expect(requests).toHaveLength(2);
    for (const request of requests) {
      const auth = request.headers.authorization as string;
      expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
      expect(auth).toMatch(/SignedHeaders=[^,]*\bhost\b/);
      expect(auth).toMatch(/SignedHeaders=[^,]*\bx-amz-date\b/);
      expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
      expect(auth.slice(-64)).toBe(expectedSignature(request, 'eu-west-1', CREDENTIALS.AWS_SECRET_ACCESS_KEY));
    }
    expect(requests[0]).toMatchObject({ method: 'GET' });
    expect(requests[0]!.url).toBe('/sluice/tasks?status=failed&limit=5');
    expect(requests[1]).toMatchObject({ method: 'POST', url: '/sluice/tasks', body: JSON.stringify({ process: 'echo', payload: { a: 'b c' } }) });
  });

  it('an execute-api URL selects SigV4 with the region in its host name; --aws without a region is refused', () => {
    expect(resolveTarget({ url: 'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com' }, {}, '/')).toEqual({
      kind: 'sigv4',
      url: 'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com',
      region: 'eu-central-1',
    });
    expect(resolveTarget({ url: 'https://api.example.com/', aws: true }, { AWS_REGION: 'us-west-2' }, '/')).toMatchObject({ kind: 'sigv4', region: 'us-west-2', url: 'https://api.example.com' });
    expect(() => resolveTarget({ url: 'https://api.example.com', aws: true }, {}, '/')).toThrow(/needs a region/);
  });

  it('the embedded default: SLUICE_URL or 127.0.0.1:$PORT, the token from --token, SLUICE_API_TOKEN or the data directory', () => {
    expect(resolveTarget({}, { PORT: '4000', SLUICE_API_TOKEN: 'from-env-0123456789' }, '/')).toEqual({ kind: 'bearer', url: 'http://127.0.0.1:4000', token: 'from-env-0123456789', tokenSource: 'SLUICE_API_TOKEN' });
    expect(resolveTarget({ token: 'flag-token-0123456789' }, { SLUICE_URL: 'http://h:1/', SLUICE_API_TOKEN: 'x' }, '/')).toMatchObject({ url: 'http://h:1', token: 'flag-token-0123456789' });
    expect(resolveTarget({}, { SLUICE_DATA_DIR: '/nonexistent-dir' }, '/')).toEqual({ kind: 'bearer', url: 'http://127.0.0.1:3000', token: undefined, tokenSource: '/nonexistent-dir/api-token' });
  });
});
