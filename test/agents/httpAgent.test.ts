import { afterEach, describe, expect, it } from 'vitest';
import { createHttpConnection } from '../../lib/agents/http/createHttpConnection.js';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import type { HttpAgent } from '../../lib/core/agents/HttpAgent.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import { type TestServer, httpSettings, httpTestScope, startTestServer } from './httpTestScope.js';

const HOST = { kind: 'embedded', serviceDir: '/tmp' } as const;
/** The local servers live on loopback: these tests open it (the SSRF tests check it is closed by default). */
const LOCAL = { allowCidrs: ['127.0.0.0/8'] };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const started = await startTestServer(handler);
  cleanups.push(() => started.close());
  return started;
}

function connect(settings: Record<string, unknown>, options?: Parameters<typeof createHttpConnection>[3]): AgentConnection<HttpAgent> {
  const connection = createHttpConnection('api', httpSettings({ ...LOCAL, ...settings }), HOST, options);
  cleanups.push(() => connection.close());
  return connection;
}

describe('HttpAgent over a local server', () => {
  it('resolves paths under the base URL, adds default headers and returns a WHATWG Response', async () => {
    const api = await server((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, accept: req.headers.accept, tenant: req.headers['x-tenant'] }));
    });
    const scope = httpTestScope();
    const http = connect({ baseUrl: `${api.origin}/v1`, headers: { accept: 'application/json', 'x-tenant': 't1' } }).forTask(scope);

    for (const path of ['items/1?page=2', '/items/1?page=2', './items/1?page=2', `${api.origin}/v1/items/1?page=2`]) {
      const response = await http.fetch(path);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ url: '/v1/items/1?page=2', accept: 'application/json', tenant: 't1' });
    }
    const text = await (await http.fetch('x', { headers: { accept: 'text/plain' } })).text();
    expect(JSON.parse(text)).toMatchObject({ url: '/v1/x', accept: 'text/plain' });
    expect(scope.lines[0]).toMatchObject({ level: 'info', message: 'api GET /v1/items/1?page', data: { connection: 'api', operation: 'GET /v1/items/1?page', status: 200, attempts: 1 } });
  });

  it('refuses paths outside the base, other origins, other schemes — before any connection', async () => {
    const api = await server((_req, res) => res.end('ok'));
    const scope = httpTestScope();
    const http = connect({ baseUrl: `${api.origin}/v1/` }).forTask(scope);
    for (const path of ['../admin', '/../admin', 'a/../../admin', '%2e%2e/admin', '..\\admin', '//example.com/v1/x', 'http://example.com/v1/x', `http://localhost:${api.port}/v1/x`, `${api.origin}/v2/x`, 'https://127.0.0.1/v1/x', 'file:///etc/passwd', 'javascript:alert(1)', `http://user:pw@127.0.0.1:${api.port}/v1/x`]) {
      await expect(http.fetch(path), path).rejects.toBeInstanceOf(AgentRefusedError);
    }
    expect(api.connections).toBe(0);
    expect(JSON.stringify(scope.lines)).not.toContain('pw');
    expect(scope.lines.at(-1)).toMatchObject({ level: 'warn', data: { operation: `GET http://127.0.0.1:${api.port}/v1/x` } });
    // `..` that stays inside the base is fine; a leading `/` is relative to the base path.
    expect((await http.fetch('a/../b')).status).toBe(200);
    expect((await http.fetch('/v1/../c')).status).toBe(200);
    expect(api.requests.map((r) => r.url)).toEqual(['/v1/b', '/v1/c']);
  });

  it('retries 503 twice then returns the 200 (idempotent method)', async () => {
    let calls = 0;
    const api = await server((_req, res) => {
      calls++;
      res.statusCode = calls <= 2 ? 503 : 200;
      res.end(calls <= 2 ? 'busy' : 'done');
    });
    const scope = httpTestScope();
    const response = await connect({ baseUrl: api.origin, retries: { baseDelayMs: 1, maxDelayMs: 5 } }).forTask(scope).fetch('/job');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('done');
    expect(calls).toBe(3);
    expect(scope.lines).toHaveLength(1);
    expect(scope.lines[0]?.data).toMatchObject({ status: 200, attempts: 3 });
  });

  it('returns the last 503 when the attempts are exhausted', async () => {
    const api = await server((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const response = await connect({ baseUrl: api.origin, retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }).forTask(httpTestScope()).fetch('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('busy');
    expect(api.requests).toHaveLength(2);
  });

  it('waits the Retry-After seconds before the next attempt', async () => {
    const seen: number[] = [];
    const api = await server((_req, res) => {
      seen.push(Date.now());
      if (seen.length === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
        return;
      }
      res.end('ok');
    });
    const response = await connect({ baseUrl: api.origin, retries: { baseDelayMs: 1, maxDelayMs: 5_000 } }).forTask(httpTestScope()).fetch('/');
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    // A lower bound only (the wait is at least what the server asked): no upper timing assertion.
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(990);
  });

  it('does not wait past the task deadline, nor for a Retry-After above maxDelayMs', async () => {
    const api = await server((_req, res) => {
      res.writeHead(503, { 'retry-after': '30' });
      res.end();
    });
    const response = await connect({ baseUrl: api.origin, retries: { baseDelayMs: 1, maxDelayMs: 5_000 } }).forTask(httpTestScope()).fetch('/');
    expect(response.status).toBe(503);
    expect(api.requests).toHaveLength(1);

    const short = httpTestScope({ deadlineInMs: 50 });
    const plain = await server((_req, res) => {
      res.statusCode = 502;
      res.end();
    });
    // Full jitter could pick a short delay: a random source near 1 picks (almost) the ceiling, 10 s.
    const again = connect({ baseUrl: plain.origin, retries: { baseDelayMs: 10_000, maxDelayMs: 10_000 } }, { random: () => 0.99 }).forTask(short);
    expect((await again.fetch('/')).status).toBe(502);
    expect(plain.requests).toHaveLength(1);
  });

  it('never retries a POST', async () => {
    const api = await server((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const response = await connect({ baseUrl: api.origin, retries: { baseDelayMs: 1 } }).forTask(httpTestScope()).fetch('/orders', { method: 'POST', body: '{"id":1}' });
    expect(response.status).toBe(503);
    expect(api.requests).toEqual([expect.objectContaining({ method: 'POST', body: '{"id":1}' })]);
  });

  it('retries connection errors for GET and throws AgentError after the attempts', async () => {
    const api = await server((_req, res) => res.end());
    const port = api.port;
    await api.close(); // nothing listens there any more
    const scope = httpTestScope();
    const failure = connect({ baseUrl: `http://127.0.0.1:${port}`, retries: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }).forTask(scope).fetch('/');
    await expect(failure).rejects.toBeInstanceOf(AgentError);
    await expect(failure).rejects.toThrow(/ECONNREFUSED \(3 attempts\)/);
    expect(scope.lines[0]).toMatchObject({ level: 'warn', data: { operation: 'GET /' } });
  });

  it('refuses a Content-Length over the cap at once, and a chunked body when it passes the cap', async () => {
    const api = await server((req, res) => {
      if (req.url === '/declared') {
        res.setHeader('content-length', '2048');
        res.end('x'.repeat(2048));
        return;
      }
      // chunked: no content-length
      res.write('x'.repeat(600));
      setImmediate(() => res.end('y'.repeat(600)));
    });
    const http = connect({ baseUrl: api.origin, maxResponseBytes: 1000 }).forTask(httpTestScope());
    await expect(http.fetch('/declared')).rejects.toThrow(AgentRefusedError);
    const chunked = await http.fetch('/chunked');
    expect(chunked.status).toBe(200);
    await expect(chunked.text()).rejects.toThrow(/exceeds 1000 bytes/);
    const small = await connect({ baseUrl: api.origin, maxResponseBytes: 1200 }).forTask(httpTestScope()).fetch('/chunked');
    expect(await small.text()).toHaveLength(1200);
  });

  it('follows a same-origin redirect with the auth, and stops after 5 hops', async () => {
    const api = await server((req, res) => {
      const hop = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('hop') ?? '0');
      if (req.url?.startsWith('/loop')) {
        res.writeHead(302, { location: `/loop?hop=${hop + 1}` });
        res.end();
        return;
      }
      if (req.url === '/old') {
        res.writeHead(301, { location: '/new' });
        res.end();
        return;
      }
      res.end(`auth=${req.headers.authorization}`);
    });
    const http = connect({ baseUrl: api.origin, auth: { type: 'bearer', token: 't0k3n' } }).forTask(httpTestScope());
    const response = await http.fetch('/old');
    expect(await response.text()).toBe('auth=Bearer t0k3n');
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${api.origin}/new`);
    await expect(http.fetch('/loop')).rejects.toThrow(/more than 5 redirects/);
    const manual = await http.fetch('/old', { redirect: 'manual' });
    expect(manual.status).toBe(301);
  });

  it('turns a 303 after POST into a GET without body', async () => {
    const api = await server((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(303, { location: '/result' });
        res.end();
        return;
      }
      res.end(`${req.method} ${req.url} ${req.body.length} ${req.headers['content-type']}`);
    });
    const response = await connect({ baseUrl: api.origin }).forTask(httpTestScope()).fetch('/submit', { method: 'POST', body: 'a=1', headers: { 'content-type': 'text/plain' } });
    expect(await response.text()).toBe('GET /result 0 undefined');
  });

  it.each([
    ['bearer', { type: 'bearer', token: 'b-token' }, 'authorization', 'Bearer b-token'],
    ['basic', { type: 'basic', username: 'ann', password: 'pä:ss' }, 'authorization', `Basic ${Buffer.from('ann:pä:ss').toString('base64')}`],
    ['apiKey', { type: 'apiKey', header: 'X-Api-Key', value: 'k-123' }, 'x-api-key', 'k-123'],
  ])('sends %s auth, never logs it', async (_kind, auth, header, expected) => {
    const api = await server((_req, res) => res.end());
    const scope = httpTestScope();
    await connect({ baseUrl: api.origin, auth }).forTask(scope).fetch('/me', { headers: { authorization: 'from-logic' } });
    expect(api.requests[0]?.headers[header]).toBe(expected);
    expect(JSON.stringify(scope.lines)).not.toContain(expected.split(' ').pop());
  });

  it('oauth2: fetches a client-credentials token, caches it across calls and tasks, refreshes it after expiry', async () => {
    let issued = 0;
    const auth = await server((req, res) => {
      issued++;
      const form = new URLSearchParams(req.body);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: `tok-${issued}`, token_type: 'Bearer', expires_in: 60, echo: { grant: form.get('grant_type'), scope: form.get('scope'), audience: form.get('audience'), basic: req.headers.authorization } }));
    });
    const api = await server((req, res) => res.end(req.headers.authorization));
    const connection = connect({ baseUrl: api.origin, auth: { type: 'oauth2', tokenUrl: `${auth.origin}/token`, clientId: 'app', clientSecret: 's e/cret', scope: 'read', audience: 'crm' } });
    const scope = httpTestScope();
    const http = connection.forTask(scope);
    expect(await (await http.fetch('/a')).text()).toBe('Bearer tok-1');
    expect(await (await http.fetch('/b')).text()).toBe('Bearer tok-1');
    expect(await (await connection.forTask(httpTestScope()).fetch('/c')).text()).toBe('Bearer tok-1');
    expect(issued).toBe(1);
    const tokenRequest = auth.requests[0]!;
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({ grant_type: 'client_credentials', scope: 'read', audience: 'crm' });
    expect(tokenRequest.headers.authorization).toBe(`Basic ${Buffer.from('app:s+e%2Fcret').toString('base64')}`);

    scope.advance(55_000); // past expires_in minus the refresh margin
    expect(await (await http.fetch('/d')).text()).toBe('Bearer tok-2');
    expect(issued).toBe(2);
    expect(JSON.stringify(scope.lines)).not.toContain('tok-');
  });

  it('oauth2: a 401 drops the cached token and tries once with a new one; a refused client is an AgentRefusedError', async () => {
    let issued = 0;
    const auth = await server((req, res) => {
      if (new URLSearchParams(req.body).get('client_secret') === 'wrong') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      issued++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: `tok-${issued}`, expires_in: 3600 }));
    });
    const api = await server((req, res) => {
      res.statusCode = req.headers.authorization === 'Bearer tok-1' ? 401 : 200;
      res.end(req.headers.authorization);
    });
    const http = connect({ baseUrl: api.origin, auth: { type: 'oauth2', tokenUrl: `${auth.origin}/token`, clientId: 'app', clientSecret: 'ok', clientAuth: 'body' } }).forTask(httpTestScope());
    const response = await http.fetch('/x');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Bearer tok-2');

    const refused = connect({ baseUrl: api.origin, auth: { type: 'oauth2', tokenUrl: `${auth.origin}/token`, clientId: 'app', clientSecret: 'wrong', clientAuth: 'body' } }).forTask(httpTestScope());
    const failure = refused.fetch('/x');
    await expect(failure).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(failure).rejects.toThrow(/token endpoint answered 401 \(invalid_client\)/);
  });

  it('oauth2: one task aborted while the shared token request runs does not fail the others waiting for it', async () => {
    const controller = new AbortController();
    let issued = 0;
    const auth = await server((_req, res) => {
      issued++;
      controller.abort(new Error('task A timed out')); // task A gives up while its token request is on the wire
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 'tok', expires_in: 3600 }));
      }, 50);
    });
    const api = await server((req, res) => res.end(req.headers.authorization));
    const connection = connect({ baseUrl: api.origin, retries: { attempts: 1 }, auth: { type: 'oauth2', tokenUrl: `${auth.origin}/token`, clientId: 'app', clientSecret: 'ok' } });
    const a = connection.forTask(httpTestScope({ signal: controller.signal })).fetch('/a');
    const b = connection.forTask(httpTestScope()).fetch('/b');
    await expect(a).rejects.toThrow(/aborted by the task/);
    expect(await (await b).text()).toBe('Bearer tok');
    expect(issued).toBe(1);
  });

  it('oauth2: a token response over 64 KiB is refused, not read whole', async () => {
    const auth = await server((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.write(`{"access_token":"${'x'.repeat(200 * 1024)}`); // chunked: no Content-Length to refuse up front
      res.end('"}');
    });
    const api = await server((_req, res) => res.end('data'));
    const failure = connect({ baseUrl: api.origin, retries: { attempts: 1 }, auth: { type: 'oauth2', tokenUrl: `${auth.origin}/token`, clientId: 'app', clientSecret: 'ok' } })
      .forTask(httpTestScope())
      .fetch('/x');
    await expect(failure).rejects.toThrow(/the token response exceeds 65536 bytes/);
    expect(api.requests).toHaveLength(0);
  });

  it('times out a request that gets no answer', async () => {
    const api = await server(() => {
      /* never answers */
    });
    const failure = connect({ baseUrl: api.origin, timeoutSeconds: 1, retries: { attempts: 1 } }).forTask(httpTestScope()).fetch('/slow');
    await expect(failure).rejects.toBeInstanceOf(AgentError);
    await expect(failure).rejects.toThrow(/timed out after 1000 ms/);
  });

  it('times out, or aborts, while the logic reads a body that stalls', async () => {
    const api = await server((_req, res) => {
      res.write('first part');
      // ...and the rest never comes
    });
    const response = await connect({ baseUrl: api.origin, timeoutSeconds: 1 }).forTask(httpTestScope()).fetch('/');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow(/reading the response body failed: TimeoutError/);

    const controller = new AbortController();
    const aborted = await connect({ baseUrl: api.origin }).forTask(httpTestScope({ signal: controller.signal })).fetch('/');
    const reading = aborted.text();
    controller.abort();
    await expect(reading).rejects.toThrow(/aborted by the task/);
  });

  it('aborts on the task signal, also while waiting for a retry', async () => {
    const controller = new AbortController();
    const api = await server(() => controller.abort(new Error('process timeout')));
    const failure = connect({ baseUrl: api.origin }).forTask(httpTestScope({ signal: controller.signal })).fetch('/slow');
    await expect(failure).rejects.toThrow(/aborted by the task/);

    const waiting = new AbortController();
    const busy = await server((_req, res) => {
      res.writeHead(503, { 'retry-after': '5' });
      res.end();
      setTimeout(() => waiting.abort(), 20);
    });
    const retry = connect({ baseUrl: busy.origin }).forTask(httpTestScope({ signal: waiting.signal })).fetch('/');
    await expect(retry).rejects.toThrow(/aborted by the task/);
    expect(busy.requests).toHaveLength(1);

    const already = AbortSignal.abort();
    await expect(connect({ baseUrl: busy.origin }).forTask(httpTestScope({ signal: already })).fetch('/')).rejects.toBeInstanceOf(AgentError);
    expect(busy.requests).toHaveLength(1);
  });

  it('logs query parameter names, never their values', async () => {
    const api = await server((_req, res) => res.end());
    const scope = httpTestScope();
    await connect({ baseUrl: api.origin }).forTask(scope).fetch('/search?q=alice&api_key=s3cr3t&signature=abc');
    expect(scope.lines[0]?.message).toBe('api GET /search?q&api_key&signature');
    expect(JSON.stringify(scope.lines)).not.toMatch(/s3cr3t|alice|abc/);
  });
});

describe('HttpAgent details', () => {
  it('HEAD is not refused for the Content-Length of the body it does not send; close() is idempotent', async () => {
    const api = await server((_req, res) => {
      res.setHeader('content-length', '5000');
      res.end(_req.method === 'HEAD' ? undefined : 'x'.repeat(5000));
    });
    const connection = connect({ baseUrl: api.origin, maxResponseBytes: 100 });
    const response = await connection.forTask(httpTestScope()).fetch('/', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    await connection.close();
    await connection.close();
  });

  it('sends a 204 through with a null body and keeps the logic\'s init (method, body, headers)', async () => {
    const api = await server((req, res) => {
      res.statusCode = req.method === 'PUT' ? 204 : 200;
      res.end();
    });
    const response = await connect({ baseUrl: api.origin }).forTask(httpTestScope()).fetch('/items/1', { method: 'put', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json', host: 'elsewhere' } });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(api.requests[0]).toMatchObject({ method: 'PUT', body: '{"a":1}', headers: { 'content-type': 'application/json', host: `127.0.0.1:${api.port}` } });
  });

  it('refuses an invalid header or a header undici rejects at once, without a retry and without the value in the message', async () => {
    const api = await server((_req, res) => res.end('ok'));
    const http = connect({ baseUrl: api.origin }).forTask(httpTestScope());
    const injected = http.fetch('/', { headers: { 'x-token': 'S3CR3T\r\nInjected: 1' } });
    await expect(injected).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(injected).rejects.toThrow(/a header name or value is not valid/);
    await expect(injected).rejects.not.toThrow(/S3CR3T/);
    const chunked = http.fetch('/', { headers: { 'transfer-encoding': 'chunked' } });
    await expect(chunked).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(chunked).rejects.toThrow(/invalid transfer-encoding header \(UND_ERR_INVALID_ARG\)/);
    expect(api.requests).toHaveLength(0);
    expect(api.connections).toBe(0);
  });

  it('does not retry response headers over undici\'s limit', async () => {
    const api = await server((_req, res) => {
      res.writeHead(200, { 'x-big': 'a'.repeat(100_000) });
      res.end();
    });
    const failure = connect({ baseUrl: api.origin }).forTask(httpTestScope()).fetch('/');
    await expect(failure).rejects.toBeInstanceOf(AgentError);
    await expect(failure).rejects.toThrow(/UND_ERR_HEADERS_OVERFLOW\) \(not retried\)/);
    expect(api.requests).toHaveLength(1);
  });

  it('refuses a method that is not an RFC 9110 token (no line break reaches the log) and the methods Fetch forbids', async () => {
    const api = await server((_req, res) => res.end('ok'));
    const scope = httpTestScope();
    const http = connect({ baseUrl: api.origin }).forTask(scope);
    const split = http.fetch('/x', { method: 'get\r\nX: y' });
    await expect(split).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(split).rejects.toThrow(/the method is not an RFC 9110 token/);
    await expect(split).rejects.not.toThrow(/[\r\n]/);
    await expect(http.fetch('/x', { method: 'TRACE' })).rejects.toThrow(/Fetch forbids the TRACE method/);
    await expect(http.fetch('http://elsewhere\r\nX: y/')).rejects.toBeInstanceOf(AgentRefusedError);
    expect(scope.lines.map((line) => line.message).join('')).not.toMatch(/[\r\n]/);
    expect(api.requests).toHaveLength(0);
    expect((await http.fetch('/x', { method: 'PROPFIND' })).status).toBe(200);
    expect(api.requests[0]?.method).toBe('PROPFIND');
  });
});
