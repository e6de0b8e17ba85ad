/**
 * The platform function on AWS refuses what the embedded runtime refuses,
 * with the same 400s: JSON nested too deep, lenient integers; a raw message
 * nested too deep that reached the queue another way is dead-lettered.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { queueMessageTaskId } from '../../../lib/core/task/taskIds.js';
import { defineProcess } from '../../../lib/index.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let stack: LambdaStack;
let platform: LambdaHandler;
let worker: LambdaHandler;
let runs = 0;
const work = defineProcess({
  name: 'work',
  logics: [{ name: 'count', run: () => void runs++ }],
  aggregator: { name: 'done', run: () => 'ok' },
});

beforeAll(async () => {
  stack = await createLambdaStack({ processes: [{ name: 'work', timeoutSeconds: 10 }], maxReceiveCount: 5, visibilityTimeoutSeconds: 60, maxPayloadBytes: 1024 * 1024 });
  platform = stack.platformHandler();
  worker = stack.processHandler(work.definition);
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
  return { status: reply.statusCode, headers: reply.headers, json: JSON.parse(reply.body) as Record<string, unknown> };
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

  it('refuses a number that overflows to Infinity with a 400 naming its place, sending nothing', async () => {
    const res = await api('POST', '/sluice/tasks', { body: '{"process":"work","payload":{"n":[1,1e999]}}' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'MalformedInputError', message: expect.stringMatching(/the number at payload\.n\.1 is too large/) });
    expect(stack.counter.snapshot().totalRequests).toBe(0);
  });

  it('answers every /sluice request with X-Content-Type-Options: nosniff (200, 400, 404, 405)', async () => {
    const answers = [
      await api('GET', '/sluice/health'),
      await api('GET', '/sluice/processes'),
      await api('POST', '/sluice/tasks', { body: '{' }),
      await api('GET', '/sluice/no-such-thing'),
      await api('DELETE', '/sluice/processes'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 404, 405]);
    for (const answer of answers) expect(answer.headers['x-content-type-options']).toBe('nosniff');
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

describe('process function: a raw message nested too deep', () => {
  it('fails its task for good without running it, and reports it for the dead-letter queue', async () => {
    const queue = stack.queues.work!;
    for (const body of ['['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)]) {
      await stack.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
      const [message] = await stack.receive(queue.url, { waitSeconds: 2 });
      expect(message!.Body).toBe(body);
      const response = (await worker(sqsEventOf(queue.arn, [message!]), lambdaContext(30_000))) as SQSBatchResponse;
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: message!.MessageId }]);
      const record = await stack.store.get(queueMessageTaskId(queue.name, message!.MessageId!, Number(message!.Attributes!.SentTimestamp)));
      expect(record).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system', name: 'MalformedMessage', message: expect.stringMatching(/deeper than 64 levels/) } });
    }
    expect(runs).toBe(0);
  });
});
