import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueUrlFromGetQueueUrl, queueUrlFromPrefix } from '../../lib/aws/queueUrlResolvers.js';
import { createRequestCounter } from '../../lib/aws/requestCounter.js';
import { SqsMessageQueue } from '../../lib/aws/SqsMessageQueue.js';
import { UnknownQueueError } from '../../lib/core/errors.js';
import type { ReceivedMessage } from '../../lib/core/ports/MessageQueue.js';
import { describeMessageQueueContract } from '../contracts/messageQueueContract.js';
import { declareQueues, deleteQueues } from '../setup/awsResources.js';
import { createSqsClient, uniqueName } from './awsTestEnv.js';

describeMessageQueueContract('SqsMessageQueue on fauxqs', async () => {
  const client = createSqsClient();
  const urls: string[] = [];
  return {
    queue: new SqsMessageQueue({ client, resolveQueueUrl: queueUrlFromGetQueueUrl(client) }),
    async declare(specs) {
      urls.push(...Object.values(await declareQueues(client, specs)));
    },
    async cleanup() {
      await deleteQueues(client, urls);
      client.destroy();
    },
  };
});

describe('SqsMessageQueue specifics', () => {
  let client: SQSClient;
  let queue: SqsMessageQueue;
  const urls: string[] = [];
  beforeAll(() => {
    client = createSqsClient();
    queue = new SqsMessageQueue({ client, resolveQueueUrl: queueUrlFromGetQueueUrl(client) });
  });
  afterAll(async () => {
    await deleteQueues(client, urls);
    client.destroy();
  });

  async function declare(name: string): Promise<string> {
    const url = (await declareQueues(client, [{ name, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]))[name]!;
    urls.push(url);
    return url;
  }

  async function drain(name: string, expected: number): Promise<ReceivedMessage[]> {
    const got: ReceivedMessage[] = [];
    const deadline = Date.now() + 8000;
    while (got.length < expected && Date.now() < deadline) {
      const batch = await queue.receive(name, { maxMessages: 10, waitTimeSeconds: 1 });
      for (const m of batch) await queue.delete(name, m.receiptHandle);
      got.push(...batch);
    }
    return got;
  }

  it('sendBatch delivers every message with its attributes and returns their ids in input order', async () => {
    const name = uniqueName('batch');
    await declare(name);
    const messages = Array.from({ length: 23 }, (_, i) => ({ body: JSON.stringify({ i }), attributes: { seq: String(i) } }));
    const counter = createRequestCounter();
    counter.attach(client);
    const sent = await queue.sendBatch(name, messages);
    expect(counter.snapshot().requests['SQS.SendMessageBatch']).toBe(3);
    const received = await drain(name, messages.length);
    expect(received).toHaveLength(messages.length);
    const bySeq = new Map(received.map((m) => [m.attributes.seq, m]));
    sent.forEach(({ messageId }, i) => {
      expect(bySeq.get(String(i))).toMatchObject({ messageId, body: JSON.stringify({ i }) });
    });
  });

  it('the emulator itself refuses the bodies the shared rules refuse (the pre-check mirrors SQS, it does not invent rules)', async () => {
    const url = await declare(uniqueName('raw'));
    for (const body of ['a\u0007b', 'ab\uFFFF', 'x\uD800y', '']) {
      await expect(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }))).rejects.toMatchObject({
        name: expect.stringMatching(/InvalidMessageContents|MissingParameter/),
      });
    }
  });

  it('splits a batch at 1 MiB of payload', async () => {
    const name = uniqueName('bigbatch');
    await declare(name);
    // Each message within SQS's 256 KiB per message; together over 1 MiB per request.
    const body = 'x'.repeat(250 * 1024);
    const counter = createRequestCounter();
    counter.attach(client);
    const sent = await queue.sendBatch(name, [{ body }, { body }, { body }, { body }, { body }]);
    expect(new Set(sent.map((s) => s.messageId)).size).toBe(5);
    // 4 x 250 KiB fit in 1 MiB, the 5th would not.
    expect(counter.snapshot().requests['SQS.SendMessageBatch']).toBe(2);
    expect((await drain(name, 5)).map((m) => m.body.length)).toEqual(Array(5).fill(body.length));
  });

  it('reports an undeclared queue as UnknownQueueError from every operation', async () => {
    const missing = uniqueName('missing');
    await expect(queue.receive(missing, { maxMessages: 1 })).rejects.toBeInstanceOf(UnknownQueueError);
    await expect(queue.stats(missing)).rejects.toBeInstanceOf(UnknownQueueError);
    await expect(queue.sendBatch(missing, [{ body: 'x' }])).rejects.toBeInstanceOf(UnknownQueueError);
    // A URL that resolves but whose queue is gone (the Lambda resolver never asks SQS).
    const name = uniqueName('gone');
    const url = await declare(name);
    const byUrl = new SqsMessageQueue({ client, resolveQueueUrl: () => url });
    await deleteQueues(client, [url]);
    await expect(byUrl.send(name, { body: 'x' })).rejects.toBeInstanceOf(UnknownQueueError);
  });

  it('finds a queue created after a failed lookup (failures are not cached)', async () => {
    const name = uniqueName('late');
    await expect(queue.send(name, { body: 'early' })).rejects.toBeInstanceOf(UnknownQueueError);
    await declare(name);
    await queue.send(name, { body: 'late' });
    expect((await drain(name, 1)).map((m) => m.body)).toEqual(['late']);
  });

  it('looks a queue URL up once per name', async () => {
    const name = uniqueName('cached');
    await declare(name);
    const counter = createRequestCounter();
    const counted = createSqsClient();
    counter.attach(counted);
    const cachedQueue = new SqsMessageQueue({ client: counted, resolveQueueUrl: queueUrlFromGetQueueUrl(counted) });
    try {
      for (let i = 0; i < 3; i++) await cachedQueue.send(name, { body: `m${i}` });
      expect(counter.snapshot().requests).toEqual({ 'SQS.GetQueueUrl': 1, 'SQS.SendMessage': 3 });
    } finally {
      counted.destroy();
    }
  });
});

describe('queueUrlFromPrefix', () => {
  it('builds SQS queue URLs from the account prefix, with or without a trailing slash', () => {
    const prefix = 'https://sqs.eu-west-1.amazonaws.com/123456789012';
    expect(queueUrlFromPrefix(prefix)('orders-tasks')).toBe(`${prefix}/orders-tasks`);
    expect(queueUrlFromPrefix(`${prefix}/`)('orders-tasks.fifo')).toBe(`${prefix}/orders-tasks.fifo`);
  });
});
