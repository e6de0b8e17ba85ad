/**
 * The AWS process function answers HTTP exactly as the embedded runtime
 * does, both running the one sync pipeline: cookies in the payload 2.0
 * result's `cookies`, API Gateway's decoding seen identically, the JSON
 * nesting limit.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import type { ProcessDefinition } from '../../../lib/core/process/types.js';
import { TaskRunner } from '../../../lib/core/runner/TaskRunner.js';
import { createHttpListener } from '../../../lib/embedded/http/createHttpListener.js';
import { Semaphore } from '../../../lib/embedded/runtime/Semaphore.js';
import { processDefinitionOf } from '../../../lib/sdk/defineProcess.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { handler as cookiesHandler } from '../../fixtures/http/functions/cookies.js';
import { handler as whoHandler } from '../../fixtures/http/functions/who.js';
import { httpApiEvent, lambdaContext, type HttpRequestSpec } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

interface Result {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  cookies?: string[];
}

const MAX_PAYLOAD = 1024 * 1024;
const who = processDefinitionOf(whoHandler) as ProcessDefinition;
const cookies = processDefinitionOf(cookiesHandler) as ProcessDefinition;

let stack: LambdaStack;
const handlers: Record<string, LambdaHandler> = {};

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [
      { name: 'who', timeoutSeconds: 10 },
      { name: 'cookies', timeoutSeconds: 10 },
    ],
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
    maxPayloadBytes: MAX_PAYLOAD,
  });
  handlers.who = stack.processHandler({ ...who, name: 'who' });
  handlers.cookies = stack.processHandler({ ...cookies, name: 'cookies' });
});
afterAll(async () => {
  await stack?.destroy();
});
beforeEach(() => stack.counter.reset());

const invoke = async (process: string, spec: HttpRequestSpec) => (await handlers[process]!(httpApiEvent(spec), lambdaContext(30_000))) as Result;

describe('response headers on AWS', () => {
  it("puts every Set-Cookie in the result's cookies, joins a repeated list header, replaces a single-valued one", async () => {
    const result = await invoke('cookies', { method: 'GET', path: '/cookies' });
    expect(result.statusCode).toBe(200);
    expect(result.cookies).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark; Max-Age=60']);
    expect(Object.keys(result.headers).filter((name) => name.toLowerCase() === 'set-cookie')).toEqual([]);
    expect(result.headers['x-list']).toBe('a, b');
    expect(result.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(result.body).toBe('ok');
  });

  it('sends no cookies field when the process set none', async () => {
    const result = await invoke('who', { method: 'GET', path: '/files/x', route: '/files/{name}', pathParameters: { name: 'x' } });
    expect(result.statusCode).toBe(200);
    expect('cookies' in result).toBe(false);
  });
});

describe('the same payload on both runtimes for the same client request', () => {
  /**
   * What a client sends (the embedded runtime decodes it itself) and the
   * event API Gateway HTTP API builds from it (decoded rawPath, path
   * parameters and query, as captured from live HTTP APIs).
   */
  const cases: Array<{ url: string; route: string; event: HttpRequestSpec }> = [
    {
      url: '/files/alice%40example.com',
      route: '/files/{name}',
      event: { method: 'GET', path: '/files/alice@example.com', route: '/files/{name}', pathParameters: { name: 'alice@example.com' } },
    },
    {
      url: '/files/alice%2Fnotes',
      route: '/files/{owner}/{name}',
      event: { method: 'GET', path: '/files/alice/notes', route: '/files/{owner}/{name}', pathParameters: { owner: 'alice', name: 'notes' } },
    },
    {
      url: '/files/a%20b+c?q=a+b&plus=a%2Bb&mail=alice%40example.com&tag=1&tag=2&empty=',
      route: '/files/{name}',
      event: {
        method: 'GET',
        path: '/files/a b+c',
        route: '/files/{name}',
        pathParameters: { name: 'a b+c' },
        query: { q: 'a b', plus: 'a+b', mail: 'alice@example.com', tag: ['1', '2'], empty: '' },
      },
    },
    {
      url: '/files/alice%2540example.com',
      route: '/files/{name}',
      event: { method: 'GET', path: '/files/alice@example.com', route: '/files/{name}', pathParameters: { name: 'alice@example.com' } },
    },
  ];

  it('decodes path, path parameters and query alike', async () => {
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 60, trackRunning: false });
    const listener = createHttpListener({
      processes: [
        {
          process: { name: 'who', definition: who, timeoutMs: 10_000 },
          routes: [
            { method: 'GET', path: '/files/{name}' },
            { method: 'GET', path: '/files/{owner}/{name}' },
          ],
          slots: new Semaphore(2),
        },
      ],
      runner,
      maxPayloadBytes: MAX_PAYLOAD,
      isStopping: () => false,
      platform: (_req, res) => res.writeHead(404).end(),
    });
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      for (const { url, route, event } of cases) {
        const embedded = (await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${url}`)).json()) as { payload: Record<string, unknown> };
        const lambda = JSON.parse((await invoke('who', event)).body) as { payload: Record<string, unknown> };
        const fields = ['method', 'path', 'route', 'pathParameters', 'query'];
        const pick = (payload: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, payload[f]]));
        expect(pick(embedded.payload), url).toEqual(pick(lambda.payload));
        expect(embedded.payload.route, url).toBe(route);
      }
    } finally {
      server.close();
    }
  });
});

describe('JSON nested too deep on AWS', () => {
  it('is a 400 naming the limit, with nothing stored, at depth 100,000 and just past the limit', async () => {
    for (const body of ['['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), '['.repeat(65) + ']'.repeat(65)]) {
      for (const base64 of [false, true]) {
        const result = await invoke('who', { method: 'POST', path: '/submit', headers: { 'content-type': 'application/json' }, body, base64 });
        expect(result.statusCode).toBe(400);
        expect(JSON.parse(result.body)).toEqual({ error: 'MalformedInputError', message: expect.stringMatching(/deeper than 64 levels/) });
      }
    }
    expect(stack.counter.snapshot().totalRequests).toBe(0);
    const ok = await invoke('who', { method: 'POST', path: '/submit', headers: { 'content-type': 'application/json' }, body: '['.repeat(64) + ']'.repeat(64) });
    expect(ok.statusCode).toBe(200);
  });
});
