/**
 * Task envelopes on AWS, on the emulators (fauxqs + DynamoDB Local) through
 * both Lambda handlers: every JSON payload travels (characters SQS refuses
 * are escaped), and a queue message acts only on the task it belongs to.
 */
import { DeleteMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import { firstForbiddenCharacter } from '../../../lib/core/queue/sqsRules.js';
import { queueMessageTaskId } from '../../../lib/core/task/taskIds.js';
import { defineProcess } from '../../../lib/index.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

const MAX_RECEIVE_COUNT = 2;

const echo = defineProcess({
  name: 'echo',
  input: z.looseObject({ fail: z.boolean().optional() }),
  logics: [
    {
      name: 'check',
      run(ctx) {
        if (ctx.input.fail) throw new Error(`failing attempt ${ctx.task.attempt}`);
      },
    },
  ],
  aggregator: { name: 'reply', run: (ctx) => ({ input: ctx.input }) },
});

let stack: LambdaStack;
let platform: LambdaHandler;
let worker: LambdaHandler;

beforeAll(async () => {
  stack = await createLambdaStack({ processes: [{ name: 'echo', timeoutSeconds: 10 }], maxReceiveCount: MAX_RECEIVE_COUNT, visibilityTimeoutSeconds: 30 });
  platform = stack.platformHandler();
  worker = stack.processHandler(echo.definition);
});
afterAll(async () => {
  await stack?.destroy();
});

async function submit(payload: unknown, idempotencyKey?: string) {
  const event = httpApiEvent(
    {
      method: 'POST',
      path: '/sluice/tasks',
      route: '/sluice/tasks',
      headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify({ process: 'echo', payload }),
    },
    'platform',
  );
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; headers: Record<string, string>; body: string };
  return { ...reply, json: JSON.parse(reply.body) as Record<string, any> };
}

async function receiveOne(url = stack.queues.echo!.url, visibilitySeconds = 1): Promise<Message> {
  for (let round = 0; round < 10; round++) {
    const [message] = await stack.receive(url, { max: 1, visibilitySeconds });
    if (message) return message;
  }
  throw new Error('no message');
}

/** Invokes the worker, then deletes what it did not report as failed (as the event source mapping does). */
async function deliver(messages: readonly Message[]): Promise<SQSBatchResponse> {
  const queue = stack.queues.echo!;
  const response = (await worker(sqsEventOf(queue.arn, messages), lambdaContext(30_000))) as SQSBatchResponse;
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of messages) {
    if (!failed.has(m.MessageId!)) await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle }));
  }
  return response;
}

describe('AWS: task envelopes carry every JSON payload', () => {
  it.each([
    ['U+FFFF', 'a\uFFFFb'],
    ['U+0000', 'a\u0000b'],
    ['U+0007', '\u0007'],
    ['U+FFFE', '\uFFFE'],
    ['a lone high surrogate', 'x\uD800'],
    ['a lone low surrogate', '\uDFFFy'],
  ])('accepts, sends and runs a payload holding %s; a retry with the same key is a replay, not a 500', async (_label, tag) => {
    const payload = { tag, [`k${tag}`]: [tag] };
    const key = `chars-${Date.now()}-${Math.random()}`;
    const accepted = await submit(payload, key);
    expect(accepted.statusCode).toBe(202);
    const taskId = accepted.json.taskId as string;

    const message = await receiveOne();
    expect(firstForbiddenCharacter(message.Body!)).toBeUndefined();
    expect(message.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue).toBe(taskId);
    expect((await deliver([message])).batchItemFailures).toEqual([]);
    expect(await stack.store.get(taskId)).toMatchObject({ status: 'succeeded', result: { input: payload } });

    const replay = await submit(payload, key);
    expect(replay.statusCode).toBe(202);
    expect(replay.json).toMatchObject({ taskId, status: 'succeeded' });
  });
});

describe('AWS: a queue message acts only on its own task', () => {
  const forge = async (taskId: string, body: string): Promise<string> => {
    const out = await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.queues.echo!.url, MessageBody: body, MessageAttributes: { [TASK_ID_ATTRIBUTE]: { DataType: 'String', StringValue: taskId } } }),
    );
    return out.MessageId!;
  };

  it('leaves a queued and a finished task untouched; each forged message fails as its own task and reaches the DLQ', async () => {
    const queued = (await submit({ fail: true })).json.taskId as string;
    expect((await deliver([await receiveOne(stack.queues.echo!.url, 30)])).batchItemFailures).toHaveLength(1);
    const waiting = await stack.store.get(queued);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1 });
    const finished = (await submit({ n: 1 })).json.taskId as string;
    // The failed message of `queued` is invisible for 30 s: this receive gets `finished`'s.
    expect((await deliver([await receiveOne(stack.queues.echo!.url, 30)])).batchItemFailures).toEqual([]);
    const done = await stack.store.get(finished);
    expect(done).toMatchObject({ status: 'succeeded' });

    const envelope = (taskId: string, body: unknown) =>
      JSON.stringify({ taskId, process: 'echo', trigger: { type: 'api' }, createdAt: waiting!.createdAt, payload: { type: 'api', body } });
    const forged = new Set([
      await forge(queued, 'garbage'),
      await forge(finished, '{"not":"an envelope"}'),
      await forge(queued, envelope(queued, { fail: false })),
      await forge(finished, envelope(finished, { n: 2 })),
      await forge(queued, envelope(finished, { n: 1 })),
    ]);

    const firstSeen = new Map<string, Message>();
    for (let receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
      const batch: Message[] = [];
      for (let round = 0; round < 10 && batch.length < forged.size; round++) {
        batch.push(...(await stack.receive(stack.queues.echo!.url, { visibilitySeconds: 1 })).filter((m) => forged.has(m.MessageId!)));
      }
      expect(batch.map((m) => m.MessageId).sort(), `receive ${receive}`).toEqual([...forged].sort());
      for (const m of batch) firstSeen.set(m.MessageId!, firstSeen.get(m.MessageId!) ?? m);
      const response = await deliver(batch);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([...forged].sort());
    }
    for (const [messageId, message] of firstSeen) {
      const own = await stack.store.get(queueMessageTaskId(stack.queues.echo!.name, messageId, Number(message.Attributes!.SentTimestamp)));
      expect(own).toMatchObject({ status: 'failed', attempts: 1, trigger: { type: 'queue', messageId }, error: { kind: 'system', name: 'MalformedMessage' } });
      expect(own!.error!.message).toMatch(/envelope/);
    }
    expect(await stack.store.get(queued)).toEqual(waiting);
    expect(await stack.store.get(finished)).toEqual(done);

    // SQS redrive moves the forged messages, intact, to the dead-letter queue.
    expect((await stack.receive(stack.queues.echo!.url, { waitSeconds: 2, visibilitySeconds: 30 })).filter((m) => forged.has(m.MessageId!))).toEqual([]);
    const dead: Message[] = [];
    for (let round = 0; round < 10 && dead.length < forged.size; round++) dead.push(...(await stack.receive(stack.queues.echo!.dlqUrl, { waitSeconds: 1 })));
    expect(dead.map((m) => m.MessageId).sort()).toEqual([...forged].sort());
  });
});
