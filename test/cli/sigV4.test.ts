import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../lib/cli/resolveTarget.js';
import { runSluice } from './runSluice.js';

/** AWS's documentation example credentials: static, from the environment, never real. */
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
/** Nothing but the environment variables above may supply credentials. */
const ISOLATED = { AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Signature V4 as the AWS documentation defines it, computed here without
 * the SDK, to check what the CLI sent byte for byte.
 */
function expectedSignature(request: Recorded, region: string, secret: string): string {
  const url = new URL(request.url, 'http://x');
  const auth = request.headers.authorization as string;
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
  const amzDate = request.headers['x-amz-date'] as string;
  const day = amzDate.slice(0, 8);
  const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalUri = url.pathname.split('/').map((segment) => rfc3986(segment)).join('/');
  const canonicalQuery = [...url.searchParams].map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const sha = (data: string) => createHash('sha256').update(data).digest('hex');
  const canonical = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), sha(request.body)].join('\n');
  const scope = `${day}/${region}/execute-api/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'execute-api'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

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
