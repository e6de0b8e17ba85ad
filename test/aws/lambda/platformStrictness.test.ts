/**
 * The platform function on AWS refuses what the embedded runtime refuses,
 * with the same 400s: JSON nested too deep, lenient integers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { httpApiEvent, lambdaContext } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let stack: LambdaStack;
let platform: LambdaHandler;

beforeAll(async () => {
  stack = await createLambdaStack({ processes: [{ name: 'work', timeoutSeconds: 10 }], maxReceiveCount: 5, visibilityTimeoutSeconds: 60, maxPayloadBytes: 1024 * 1024 });
  platform = stack.platformHandler();
});
afterAll(async () => {
  await stack?.destroy();
});
beforeEach(() => stack.counter.reset());

async function api(method: string, path: string, options: { body?: string; headers?: Record<string, string>; query?: Record<string, string> } = {}) {
  const event = httpApiEvent(
    {
      method,
      path,
      route: path,
      ...(options.query ? { query: options.query } : {}),
      headers: { 'content-type': 'application/json', ...options.headers },
      ...(options.body !== undefined ? { body: options.body } : {}),
    },
    'platform',
  );
  const reply = (await platform(event, lambdaContext(10_000))) as Reply;
  return { status: reply.statusCode, json: JSON.parse(reply.body) as Record<string, unknown> };
}

describe('platform function: pathological and lenient input is a 400', () => {
  it('refuses a payload nested deeper than 64 levels (depth 100,000 included), with or without an idempotency key, sending nothing', async () => {
    for (const payload of ['['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), '['.repeat(65) + ']'.repeat(65)]) {
      for (const headers of [{}, { 'idempotency-key': `deep-${payload.length}` }] as Array<Record<string, string>>) {
        const res = await api('POST', '/sluice/tasks', { body: `{"process":"work","payload":${payload}}`, headers });
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ error: 'MalformedInputError', message: expect.stringMatching(/deeper than 64 levels/) });
      }
    }
    expect(stack.counter.snapshot().totalRequests).toBe(0);
  });

  it('refuses lenient limits with a 400 naming limit', async () => {
    for (const limit of ['0x10', '1e1', ' 5', '', '0', '101']) {
      const res = await api('GET', '/sluice/tasks', { query: { limit } });
      expect(res.status, `limit=${JSON.stringify(limit)}`).toBe(400);
      expect(res.json).toMatchObject({ error: 'ValidationError', issues: [{ path: 'limit' }] });
    }
    expect((await api('GET', '/sluice/tasks', { query: { limit: '5' } })).status).toBe(200);
  });
});
