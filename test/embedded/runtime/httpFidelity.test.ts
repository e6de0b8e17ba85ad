/**
 * The embedded runtime answers HTTP as API Gateway HTTP API (payload 2.0)
 * does: route selection, path and query decoding, cookies, 404s, the one
 * JSON error shape, nesting and size limits, and the bearer check on every
 * path into the platform API.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../../lib/core/boundedJson.js';
import type { RuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { eventually } from '../../helpers/time.js';
import { chunked, rawRequest } from './rawHttp.js';
import { startHarness, TOKEN, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/http/serverless.yml');
const errors: Array<{ message: string; error: unknown }> = [];
const log: RuntimeLog = { info() {}, warn() {}, error: (message, error) => errors.push({ message, error }) };

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ configPath: CONFIG, log });
});
afterAll(async () => {
  await h?.stop();
});

async function who(path: string, method = 'GET'): Promise<{ status: number; process?: string; payload?: Record<string, unknown> }> {
  const res = await h.call(path, { method, auth: false, ...(method === 'POST' ? { json: {} } : {}) });
  return { status: res.status, process: res.body?.process, payload: res.body?.payload };
}

describe('route selection (API Gateway HTTP API rules, never declaration order)', () => {
  it('a specific method beats ANY on the same path, whichever was declared first', async () => {
    // /pets: ANY declared before GET; /toys: GET declared before ANY.
    expect((await who('/pets')).process).toBe('petsGet');
    expect((await who('/toys')).process).toBe('petsGet');
    expect((await who('/pets/7')).process).toBe('petsGet');
    // Methods the path does not declare go to ANY.
    expect((await who('/pets', 'POST')).process).toBe('petsAny');
    expect((await who('/toys', 'POST')).process).toBe('toysAny');
    expect((await who('/pets/7', 'DELETE')).process).toBe('petsAny');
  });

  it('the most specific path wins: static before {param} before {proxy+}, segment by segment', async () => {
    expect(await who('/files/shared/x')).toMatchObject({ process: 'files', payload: { route: '/files/shared/{name}', pathParameters: { name: 'x' } } });
    expect(await who('/files/bob/x')).toMatchObject({ payload: { route: '/files/{owner}/{name}', pathParameters: { owner: 'bob', name: 'x' } } });
    expect(await who('/files/x')).toMatchObject({ payload: { route: '/files/{name}', pathParameters: { name: 'x' } } });
  });

  it('{param} matches one segment, never across /; {proxy+} takes the rest', async () => {
    // Three segments under /files: no {name} or {owner}/{name} route takes them: the catch-all does.
    expect(await who('/files/a/b/c')).toMatchObject({ process: 'rest', payload: { route: '/{proxy+}' } });
    expect(await who('/tree/a/b/c')).toMatchObject({ process: 'tree', payload: { route: '/tree/{path+}', pathParameters: { path: 'a/b/c' } } });
    // {proxy+} needs at least one segment.
    expect(await who('/tree/')).toMatchObject({ process: 'rest' });
  });

  it("'*' catches everything no other route takes, the root and other methods of known paths included", async () => {
    expect(await who('/')).toMatchObject({ process: 'rest', payload: { route: '/' } });
    expect(await who('/no/such/thing')).toMatchObject({ process: 'rest', payload: { route: '/{proxy+}', pathParameters: { proxy: 'no/such/thing' } } });
    expect(await who('/submit')).toMatchObject({ process: 'rest' });
    expect(await who('/submit', 'POST')).toMatchObject({ process: 'tree' });
  });
});

describe('decoding (API Gateway HTTP API payload 2.0)', () => {
  it('decodes the path and path parameters: %40, %20, unicode; + stays +', async () => {
    expect((await who('/files/alice%40example.com')).payload).toMatchObject({ path: '/files/alice@example.com', pathParameters: { name: 'alice@example.com' } });
    expect((await who('/files/a%20b+c')).payload).toMatchObject({ path: '/files/a b+c', pathParameters: { name: 'a b+c' } });
    expect((await who('/files/%CE%BB')).payload).toMatchObject({ path: '/files/λ', pathParameters: { name: 'λ' } });
  });

  it('an encoded slash separates segments like a plain one', async () => {
    expect((await who('/files/alice%2Fnotes')).payload).toMatchObject({ route: '/files/{owner}/{name}', path: '/files/alice/notes', pathParameters: { owner: 'alice', name: 'notes' } });
  });

  it('decodes twice, as live HTTP APIs do; a lone % after the first pass is a 400 in the error shape', async () => {
    expect((await who('/files/alice%2540example.com')).payload).toMatchObject({ pathParameters: { name: 'alice@example.com' } });
    expect((await who('/files/100%2525')).payload).toMatchObject({ pathParameters: { name: '100%' } });
    const bad = await h.call('/files/100%25', { auth: false });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'MalformedInputError', message: expect.any(String) });
    expect((await h.call('/files/%zz', { auth: false })).status).toBe(400);
  });

  it('decodes the query as a form: + is a space, %2B a plus, repeated keys joined with commas, empty values kept', async () => {
    const { payload } = await who('/files/x?q=a+b&plus=a%2Bb&mail=alice%40example.com&tag=1&tag=2&empty=');
    expect(payload!.query).toEqual({ q: 'a b', plus: 'a+b', mail: 'alice@example.com', tag: '1,2', empty: '' });
  });

  it('joins a repeated request header with commas, as API Gateway does', async () => {
    const res = await rawRequest(h.url, 'GET /files/x HTTP/1.1\r\nhost: x\r\nx-multi: one\r\nx-multi: two\r\nconnection: close\r\n\r\n');
    expect(JSON.parse(res.body).payload.headers['x-multi']).toBe('one,two');
  });
});

describe('response headers', () => {
  it('keeps every Set-Cookie as its own line, joins a repeated list header, replaces a single-valued one', async () => {
    const res = await rawRequest(h.url, 'GET /cookies HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.headers.filter(([name]) => name === 'set-cookie').map(([, value]) => value)).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark; Max-Age=60']);
    expect(res.headers.filter(([name]) => name === 'x-list')).toEqual([['x-list', 'a, b']]);
    expect(res.headers.filter(([name]) => name === 'content-type')).toEqual([['content-type', 'text/plain; charset=utf-8']]);
    expect(res.body).toBe('ok');
  });

  it('fails the task (500, the logic named) for a header value HTTP cannot carry, and keeps serving', async () => {
    const res = await fetch(`${h.url}/unicode-header`);
    expect(res.status).toBe(500);
    expect(res.headers.get('x-name')).toBeNull();
    const body = (await res.json()) as { error: { name: string; message: string; logic: string } };
    expect(body.error).toMatchObject({ name: 'TypeError', logic: 'reply' });
    expect(body.error.message).toContain('U+65E5');
    expect((await fetch(`${h.url}/sluice/health`)).status).toBe(200);
  });
});

describe('JSON nested too deep: a 400, never a 500', () => {
  it(`refuses more than ${MAX_JSON_DEPTH} levels on a sync route (depth 100,000 included), accepts ${MAX_JSON_DEPTH}`, async () => {
    for (const body of [deepArray(100_000), deepObject(100_000), deepArray(4_100), deepArray(MAX_JSON_DEPTH + 1), `{"a":[${deepObject(MAX_JSON_DEPTH)}]}`]) {
      const res = await h.call('/submit', { method: 'POST', body, headers: { 'content-type': 'application/json' }, auth: false });
      expect(res.status, body.slice(0, 20)).toBe(400);
      expect(res.body).toEqual({ error: 'MalformedInputError', message: expect.stringMatching(/deeper than 64 levels/) });
    }
    for (const body of [deepArray(MAX_JSON_DEPTH), deepObject(MAX_JSON_DEPTH), `{"s":"${'['.repeat(1000)}"}`]) {
      const ok = await h.call('/submit', { method: 'POST', body, headers: { 'content-type': 'application/json' }, auth: false });
      expect(ok.status, body.slice(0, 20)).toBe(200);
    }
  });

  it('refuses it on POST /sluice/tasks, with and without an idempotency key, and on queue messages', async () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 100_000]) {
      for (const payload of [deepArray(depth), deepObject(depth)]) {
        const body = `{"process":"files","payload":${payload}}`;
        for (const headers of [{}, { 'idempotency-key': `deep-${depth}-${payload.length}` }] as Array<Record<string, string>>) {
          const res = await h.call('/sluice/tasks', { method: 'POST', body, headers });
          expect(res.status).toBe(400);
          expect(res.body.error).toBe('MalformedInputError');
        }
        const sent = await h.call('/sluice/queues/hx-test-files/messages', { method: 'POST', body: payload });
        expect(sent.status).toBe(400);
        expect(sent.body.message).toMatch(/deeper than 64/);
      }
    }
    // A text message with many brackets that does not open as JSON is still a message.
    const text = await h.call('/sluice/queues/hx-test-files/messages', { method: 'POST', body: 'note: ' + '['.repeat(100) });
    expect(text.status).toBe(202);
    expect(errors).toEqual([]);
  });
});

describe('JSON numbers that overflow to Infinity: a 400 naming the place, never stored as null', () => {
  it('refuses them on a sync route and on POST /sluice/tasks, with and without an idempotency key', async () => {
    const route = await h.call('/submit', { method: 'POST', body: '{"order":{"total":-1e999}}', headers: { 'content-type': 'application/json' }, auth: false });
    expect(route.status).toBe(400);
    expect(route.body).toEqual({ error: 'MalformedInputError', message: expect.stringMatching(/the number at order\.total is too large/) });
    for (const headers of [{}, { 'idempotency-key': 'infinite-payload' }] as Array<Record<string, string>>) {
      const res = await h.call('/sluice/tasks', { method: 'POST', body: '{"process":"files","payload":1e999}', headers });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'MalformedInputError', message: expect.stringMatching(/the number at payload is too large/) });
    }
    expect((await h.call('/sluice/tasks?process=files')).body.items.filter((t: { payload?: unknown }) => t.payload === null)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('X-Content-Type-Options: nosniff on every /sluice response', () => {
  it('on the platform app (200, 401, 404, 405, 400) and on the fast paths (POST /sluice/tasks, queue messages), not on process routes', async () => {
    const answers = [
      await h.call('/sluice/health', { auth: false }),
      await h.call('/sluice/processes'),
      await h.call('/sluice/tasks?limit=5'),
      await h.call('/sluice/tasks?limit=0x10'),
      await h.call('/sluice/processes', { auth: false }),
      await h.call('/sluice/no-such-thing'),
      await h.call('/sluice/processes', { method: 'DELETE' }),
      await h.call('/sluice/tasks', { method: 'POST', json: { process: 'files', payload: {} } }),
      await h.call('/sluice/tasks', { method: 'POST', body: '{' }),
      await h.call('/sluice/tasks', { method: 'POST', json: { process: 'files' }, auth: false }),
      await h.call('/sluice/queues/hx-test-files/messages', { method: 'POST', body: 'hello' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 400, 401, 404, 405, 202, 400, 401, 202]);
    for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    // A process route answers what its process sets, as on API Gateway.
    expect((await h.call('/submit', { method: 'POST', json: {}, auth: false })).headers.get('x-content-type-options')).toBeNull();
  });
});

describe('a raw queue message nested too deep (sent around the platform API)', () => {
  it('fails its task for good without running it and dead-letters the message intact', async () => {
    const body = deepArray(100_000);
    const { messageId } = await h.runtime.storage.queues.send('hx-test-files', { body, attributes: {} });
    const failed = await eventually(async () => {
      const page = await h.call('/sluice/tasks?process=files&status=failed&limit=100');
      return page.body.items.find((t: { trigger: { messageId?: string } }) => t.trigger.messageId === messageId);
    });
    expect(failed).toMatchObject({ attempts: 1, error: { kind: 'system', name: 'MalformedMessage', message: expect.stringMatching(/deeper than 64 levels/) } });
    const dead = await eventually(async () => {
      const page = await h.call('/sluice/queues/hx-test-files-dlq/messages?limit=100');
      return page.body.items.find((m: { messageId: string }) => m.messageId === messageId);
    });
    expect(dead.body).toBe(body);
  });
});

describe('one JSON error shape, also from node’s HTTP parser', () => {
  it('431 for oversized headers', async () => {
    const res = await rawRequest(h.url, `GET /files/x HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers).toContainEqual(['content-type', 'application/json; charset=utf-8']);
    expect(JSON.parse(res.body)).toEqual({ error: 'RequestHeaderFieldsTooLarge', message: expect.any(String) });
  });

  it('400 for a request node cannot parse', async () => {
    for (const request of ['GARBAGE\r\n\r\n', 'GET /files/x HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n', 'POST /submit HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n']) {
      const res = await rawRequest(h.url, request);
      expect(res.status, request).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: 'BadRequest', message: expect.any(String) });
    }
  });

  it('413 for a chunked body over the limit as soon as it passes it, on a sync route and on the platform fast paths', async () => {
    // The body never ends: only a check as it streams can answer.
    const big = JSON.stringify({ note: 'x'.repeat(1_100_000) });
    for (const [path, auth] of [['/submit', ''], ['/sluice/tasks', `authorization: Bearer ${TOKEN}\r\n`], ['/sluice/queues/hx-test-files/messages', `authorization: Bearer ${TOKEN}\r\n`]]) {
      const res = await rawRequest(h.url, `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${auth}transfer-encoding: chunked\r\n\r\n${chunked(big, 64 * 1024, false)}`);
      expect(res.status, path).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'PayloadTooLargeError' });
      expect(res.headers).toContainEqual(['connection', 'close']);
    }
    expect(errors).toEqual([]);
  });
});

describe('strict query parameters', () => {
  it('refuses lenient integers with a 400 naming the parameter', async () => {
    for (const value of ['0x10', '1e1', '%205', '+5', '5.0', '', '-1', '0', '101', '1&limit=2']) {
      const res = await h.call(`/sluice/tasks?limit=${value}`);
      expect(res.status, `limit=${value}`).toBe(400);
      expect(res.body.issues.map((i: { path: string }) => i.path), value).toEqual(['limit']);
      const peek = await h.call(`/sluice/queues/hx-test-files/messages?limit=${value}`);
      expect(peek.status, `peek limit=${value}`).toBe(400);
    }
    expect((await h.call('/sluice/tasks?limit=100')).status).toBe(200);
    for (const value of ['', '0x10', '1e1', '%205', '901', '1.5']) {
      const res = await h.call(`/sluice/queues/hx-test-files/messages?delaySeconds=${value}`, { method: 'POST', body: 'x' });
      expect(res.status, `delaySeconds=${value}`).toBe(400);
      expect(res.body.issues).toEqual([{ path: 'delaySeconds', message: expect.any(String) }]);
    }
    expect((await h.call('/sluice/queues/hx-test-files/messages?delaySeconds=900', { method: 'POST', body: 'x' })).status).toBe(202);
  });
});

describe('the bearer check on every /sluice route and every path to it', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/sluice/processes'],
    ['GET', '/sluice/tasks'],
    ['POST', '/sluice/tasks'],
    ['GET', '/sluice/tasks/abc'],
    ['GET', '/sluice/queues'],
    ['GET', '/sluice/queues/hx-test-files/messages'],
    ['POST', '/sluice/queues/hx-test-files/messages'],
    // No consumer reads a dead-letter queue: a message let through would stay to be seen.
    ['POST', '/sluice/queues/hx-test-files-dlq/messages'],
    ['POST', '/sluice/queues/hx-test-files-dlq/redrive'],
    ['DELETE', '/sluice/tasks'],
    ['PUT', '/sluice/queues'],
  ];
  const variants = (path: string) => [path, `${path}?process=files`, path.replace('/sluice/', '/%73luice/'), path.replace('/sluice/', '/sluice//'), `${path}/`];
  const denials: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['wrong token', { authorization: 'Bearer not-the-token-at-all' }],
    ['token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
    ['bare token', { authorization: TOKEN }],
  ];

  it('answers 401 without a valid token, and does nothing', async () => {
    const apiTasks = async () => (await h.call('/sluice/tasks?process=files&limit=100')).body.items.filter((t: { trigger: { type: string } }) => t.trigger.type === 'api').length;
    const deadLetters = async () => (await h.call('/sluice/queues/hx-test-files-dlq/messages?limit=100')).body.items.length;
    const before = await apiTasks();
    const deadBefore = await deadLetters();
    for (const [method, route] of routes) {
      for (const path of variants(route)) {
        for (const [what, headers] of denials) {
          const body = method === 'POST' ? JSON.stringify({ process: 'files', payload: {} }) : undefined;
          const res = await h.call(path, { method, headers: { ...headers, 'content-type': 'application/json' }, auth: false, ...(body ? { body } : {}) });
          expect(res.status, `${method} ${path} (${what})`).toBe(401);
          expect(res.body).toEqual({ error: 'Unauthorized', message: expect.any(String) });
        }
      }
    }
    expect(await apiTasks()).toBe(before);
    expect(await deadLetters()).toBe(deadBefore);
  });

  it('accepts the token on the fast paths (the same routes with it are not 401)', async () => {
    const res = await h.call('/%73luice/tasks', { method: 'POST', json: { process: 'files', payload: {} } });
    expect(res.status).toBe(202);
    const sent = await h.call('/sluice/queues/hx-test-files/messages', { method: 'POST', body: 'hello', headers: { authorization: `bearer   ${TOKEN}` }, auth: false });
    expect(sent.status).toBe(202);
  });
});

describe('the platform API', () => {
  it('answers 405 with Allow for a known route and another method', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/sluice/tasks', 'GET, POST'],
      ['POST', '/sluice/processes', 'GET'],
      ['PUT', '/sluice/tasks/abc', 'GET'],
      ['DELETE', '/sluice/queues', 'GET'],
      ['PATCH', '/sluice/queues/hx-test-files/messages', 'GET, POST'],
      ['GET', '/sluice/queues/hx-test-files-dlq/redrive', 'POST'],
      ['POST', '/sluice/health', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await h.call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(res.body).toEqual({ error: 'MethodNotAllowed', message: expect.any(String) });
    }
  });

  it('does not log a client that disconnects mid-body as a failure', async () => {
    for (const path of ['/sluice/tasks', '/submit']) {
      const { hostname, port } = new URL(h.url);
      const { connect } = await import('node:net');
      await new Promise<void>((done) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"process":`);
          setTimeout(() => {
            socket.destroy();
            done();
          }, 50);
        });
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(errors).toEqual([]);
    // And the runtime still serves.
    expect((await h.call('/sluice/health')).status).toBe(200);
  });
});
