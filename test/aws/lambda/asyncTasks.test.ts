/**
 * Async tasks end to end on the emulators, through both Lambda handlers:
 * POST /sluice/tasks (platform function) -> SQS (fauxqs) -> the event source
 * mapping's event, built from the really received message -> the process
 * function -> DynamoDB Local -> GET /sluice/tasks/{id} (platform function).
 * The test plays the event source mapping: it deletes the messages the
 * handler did not report as failed.
 */
import { DeleteMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import { queueMessageTaskId } from '../../../lib/core/task/taskIds.js';
import type { TaskSummary } from '../../../lib/core/task/TaskRecord.js';
import { defineProcess } from '../../../lib/index.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Executions per task id, to prove what ran and what did not. */
const executions = new Map<string, number>();

function orderProcess(name: string) {
  return defineProcess({
    name,
    input: z.strictObject({ orderId: z.string().min(1), fail: z.boolean().optional() }),
    logics: [
      {
        name: 'load',
        run(ctx) {
          executions.set(ctx.task.id, (executions.get(ctx.task.id) ?? 0) + 1);
          if (ctx.input.fail) throw new Error('warehouse unavailable');
        },
      },
    ],
    aggregator: {
      name: 'total',
      run: (ctx) => ({
        orderId: ctx.input.orderId,
        attempt: ctx.task.attempt,
        via: ctx.payload.type,
        ...(ctx.payload.type === 'queue' ? { attributes: ctx.payload.attributes, receiveCount: ctx.payload.receiveCount } : {}),
      }),
    },
  });
}

const PROCESSES = ['orders', 'batchy', 'strict', 'listed'] as const;
const MAX_RECEIVE_COUNT = 3;

let stack: LambdaStack;
let platform: LambdaHandler;
const workers: Record<string, LambdaHandler> = {};

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: PROCESSES.map((name) => ({ name, timeoutSeconds: 10 })),
    maxReceiveCount: MAX_RECEIVE_COUNT,
    visibilityTimeoutSeconds: 30,
  });
  platform = stack.platformHandler();
  for (const name of PROCESSES) workers[name] = stack.processHandler(orderProcess(name).definition);
});
afterAll(async () => {
  await stack?.destroy();
});
beforeEach(() => stack.counter.reset());

async function api(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {}) {
  const taskRoute = /^\/sluice\/tasks\/[^/]+$/.test(path);
  const event = httpApiEvent(
    {
      method,
      path,
      route: taskRoute ? '/sluice/tasks/{taskId}' : path,
      ...(taskRoute ? { pathParameters: { taskId: path.split('/').at(-1)! } } : {}),
      ...(options.query ? { query: options.query } : {}),
      headers: { 'content-type': 'application/json', ...options.headers },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    },
    'platform',
  );
  const reply = (await platform(event, lambdaContext(10_000))) as Reply;
  return { ...reply, json: JSON.parse(reply.body) as Record<string, unknown> };
}

const submit = (process: string, payload: unknown, idempotencyKey?: string) =>
  api('POST', '/sluice/tasks', { body: { process, payload }, ...(idempotencyKey ? { headers: { 'Idempotency-Key': idempotencyKey } } : {}) });

/** Receives until `count` messages arrived (the queue may hand them out over several receives). */
async function receiveAll(process: string, count: number, visibilitySeconds = 30): Promise<Message[]> {
  const got: Message[] = [];
  for (let round = 0; got.length < count && round < 10; round++) got.push(...(await stack.receive(stack.queues[process]!.url, { visibilitySeconds })));
  return got;
}

/** Invokes the worker with the batch, then deletes what it did not report as failed (as Lambda does). */
async function deliver(process: string, messages: readonly Message[]): Promise<SQSBatchResponse> {
  const queue = stack.queues[process]!;
  const response = (await workers[process]!(sqsEventOf(queue.arn, messages), lambdaContext(30_000))) as SQSBatchResponse;
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of messages) {
    if (!failed.has(m.MessageId!)) await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle }));
  }
  return response;
}

describe('async tasks through the platform and process functions', () => {
  // Every test submits its own task under its own key and leaves the queue empty, so that
  // each passes alone (`-t`), in any order.
  let keys = 0;
  const freshKey = () => `order-${Date.now()}-${keys++}`;

  /** Submits an order; the task stays queued, its message waiting in the queue. */
  async function submitted(orderId: string, key = freshKey()) {
    const reply = await submit('orders', { orderId }, key);
    expect(reply.statusCode).toBe(202);
    return { taskId: reply.json.taskId as string, key };
  }

  /** Submits an order and runs it to the end through the worker; returns its delivered message too. */
  async function ran(orderId: string, key = freshKey()) {
    const task = await submitted(orderId, key);
    const delivered = await receiveAll('orders', 1);
    expect(delivered).toHaveLength(1);
    expect((await deliver('orders', delivered)).batchItemFailures).toEqual([]);
    return { ...task, delivered };
  }

  /** Runs what a test left queued, so that the next test finds an empty queue. */
  async function drain(count: number) {
    await deliver('orders', await receiveAll('orders', count));
  }

  it('accepts a submission with one conditional PutItem and one SendMessage', async () => {
    const key = freshKey();
    const reply = await submit('orders', { orderId: 'o-1' }, key);

    expect(reply.statusCode).toBe(202);
    expect(reply.json).toMatchObject({ process: 'orders', status: 'queued' });
    const taskId = reply.json.taskId as string;
    expect(reply.headers.location).toBe(`/sluice/tasks/${taskId}`);
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 1, 'SQS.SendMessage': 1 });
    await drain(1);
  });

  it('answers a status poll with one GetItem', async () => {
    const { taskId, key } = await submitted('o-2');
    stack.counter.reset();

    const reply = await api('GET', `/sluice/tasks/${taskId}`);
    expect(reply.statusCode).toBe(200);
    expect(reply.json).toMatchObject({ taskId, status: 'queued', attempts: 0, idempotencyKey: key });
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.GetItem': 1 });
    await drain(1);
  });

  it('runs the queued task in the worker with one GetItem and one PutItem', async () => {
    const { taskId } = await submitted('o-3');
    const delivered = await receiveAll('orders', 1);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue).toBe(taskId);
    stack.counter.reset();

    const response = await deliver('orders', delivered);

    expect(response.batchItemFailures).toEqual([]);
    expect(executions.get(taskId)).toBe(1);
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.GetItem': 1, 'DynamoDB.PutItem': 1 });
  });

  it('shows the task succeeded, with its result, through the platform', async () => {
    const { taskId } = await ran('o-4');

    const reply = await api('GET', `/sluice/tasks/${taskId}`);
    expect(reply.statusCode).toBe(200);
    expect(reply.json).toMatchObject({ taskId, process: 'orders', status: 'succeeded', attempts: 1, trigger: { type: 'api' } });
    expect(reply.json.result).toEqual({ orderId: 'o-4', attempt: 1, via: 'api' });
  });

  it('returns the same task for a replayed submission, and 409 for the key with another payload', async () => {
    const { taskId, key } = await ran('o-5');
    stack.counter.reset();

    const replay = await submit('orders', { orderId: 'o-5' }, key);
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json).toMatchObject({ taskId, status: 'succeeded' });
    // A finished task is not sent again: the failed conditional put is the whole cost.
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 1 });

    const conflict = await submit('orders', { orderId: 'o-6' }, key);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json.error).toBe('IdempotencyConflictError');
    expect(await stack.receive(stack.queues.orders!.url, { waitSeconds: 1 })).toEqual([]);
  });

  it('runs nothing for a duplicate delivery of the finished task, and reports no failure', async () => {
    const { taskId, delivered } = await ran('o-7');
    stack.counter.reset();

    const response = await deliver('orders', delivered);
    expect(response.batchItemFailures).toEqual([]);
    expect(executions.get(taskId)).toBe(1);
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.GetItem': 1 });
  });

  it('runs a plain streaming message as a queue task named after its message id', async () => {
    const queue = stack.queues.orders!;
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify({ orderId: 's-1' }),
        MessageAttributes: { source: { DataType: 'String', StringValue: 'web' }, version: { DataType: 'Number', StringValue: '2' } },
      }),
    );
    const [message] = await receiveAll('orders', 1);
    const response = await deliver('orders', [message!]);

    expect(response.batchItemFailures).toEqual([]);
    const stored = await stack.store.get(queueMessageTaskId(queue.name, message!.MessageId!, Number(message!.Attributes!.SentTimestamp)));
    expect(stored).toMatchObject({ status: 'succeeded', trigger: { type: 'queue', queue: queue.name, messageId: message!.MessageId } });
    expect(stored!.result).toEqual({ orderId: 's-1', attempt: 1, via: 'queue', attributes: { source: 'web', version: '2' }, receiveCount: 1 });
  });
});

describe('failures in a batch', () => {
  it('reports only the failing record, and keeps its task queued for the retry', async () => {
    const good = (await submit('batchy', { orderId: 'good' })).json.taskId as string;
    const bad = (await submit('batchy', { orderId: 'bad', fail: true })).json.taskId as string;
    const messages = await receiveAll('batchy', 2, 1);
    expect(messages).toHaveLength(2);
    const badMessage = messages.find((m) => m.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue === bad)!;

    const response = await deliver('batchy', messages);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: badMessage.MessageId }]);
    expect(await stack.store.get(good)).toMatchObject({ status: 'succeeded' });
    expect(await stack.store.get(bad)).toMatchObject({ status: 'queued', attempts: 1, error: { kind: 'logic', message: 'warehouse unavailable' } });

    // Its redelivery fails alone: reported, not thrown (a throw would fail the invocation for nothing more).
    const [again] = await receiveAll('batchy', 1, 1);
    expect(again!.MessageId).toBe(badMessage.MessageId);
    expect(again!.Attributes?.ApproximateReceiveCount).toBe('2');
    const second = await deliver('batchy', [again!]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: badMessage.MessageId }]);
    expect(await stack.store.get(bad)).toMatchObject({ status: 'queued', attempts: 2 });
    expect(executions.get(bad)).toBe(2);
  });

  it('fails a poison message at once and leaves it to the redrive, which moves it to the DLQ intact', async () => {
    const submitted = await submit('strict', { orderId: 42 });
    expect(submitted.statusCode).toBe(202); // no input schema file (SLUICE_INPUT_SCHEMAS) in this stack: the worker validates
    const taskId = submitted.json.taskId as string;
    const queue = stack.queues.strict!;

    let original: Message | undefined;
    for (let receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
      const [message] = await receiveAll('strict', 1, 1);
      expect(message, `receive ${receive}`).toBeDefined();
      expect(message!.Attributes?.ApproximateReceiveCount).toBe(String(receive));
      original ??= message;
      const response = await deliver('strict', [message!]);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: message!.MessageId }]);
      const record = await stack.store.get(taskId);
      expect(record).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'validation', issues: [{ path: 'orderId' }] } });
    }
    expect(executions.get(taskId)).toBeUndefined();

    // The receive after maxReceiveCount moves it to the dead-letter queue.
    expect(await stack.receive(queue.url, { waitSeconds: 2, visibilitySeconds: 1 })).toEqual([]);
    const [dead] = await stack.receive(queue.dlqUrl, { waitSeconds: 2 });
    expect(dead).toBeDefined();
    expect(dead!.Body).toBe(original!.Body);
    expect(JSON.parse(dead!.Body!)).toMatchObject({ taskId, process: 'strict', payload: { type: 'api', body: { orderId: 42 } } });
    expect(dead!.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue).toBe(taskId);
  });
});

describe('the platform API on Lambda', () => {
  it('pages through the task list, newest first, with and without a process filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit('listed', { orderId: `l-${i}` })).json.taskId as string);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api('GET', '/sluice/tasks', { query: { process: 'listed', limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(page.statusCode).toBe(200);
      const items = page.json.items as TaskSummary[];
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((t) => t.taskId));
      cursor = page.json.nextCursor as string | undefined;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);

    const all = await api('GET', '/sluice/tasks', { query: { limit: '100' } });
    const everywhere = (all.json.items as TaskSummary[]).map((t) => t.taskId);
    expect(everywhere).toEqual(expect.arrayContaining(ids));

    const queued = await api('GET', '/sluice/tasks', { query: { process: 'listed', status: 'succeeded' } });
    expect(queued.json.items).toEqual([]);

    const bad = await api('GET', '/sluice/tasks', { query: { cursor: 'not-a-cursor' } });
    expect(bad.statusCode).toBe(400);
  });

  it('describes the processes, answers health, and rejects unknown processes and methods', async () => {
    const processes = await api('GET', '/sluice/processes');
    expect((processes.json.items as Array<{ name: string; async: boolean }>).map((p) => [p.name, p.async])).toEqual(PROCESSES.map((name) => [name, true]));
    expect((await api('GET', '/sluice/health')).json).toEqual({ status: 'ok' });
    const unknown = await submit('nope', {});
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json.error).toBe('UnknownProcessError');
    expect((await api('DELETE', '/sluice/tasks')).statusCode).toBe(405);
    expect(stack.counter.snapshot().totalRequests).toBe(0);
  });

  it('answers 500 without details when DynamoDB fails, and logs the cause', async () => {
    const broken = stack.platformHandler({ [SLUICE_ENV.taskTable]: 'no-such-table' });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const event = httpApiEvent({ method: 'GET', path: '/sluice/tasks/abc', route: '/sluice/tasks/{taskId}', pathParameters: { taskId: 'abc' } }, 'platform');
      const reply = (await broken(event, lambdaContext())) as Reply;
      expect(reply.statusCode).toBe(500);
      expect(JSON.parse(reply.body)).toEqual({ error: 'InternalError', message: 'internal error' });
      expect(logged).toHaveBeenCalledWith('GET /sluice/tasks/abc failed', expect.objectContaining({ message: expect.stringContaining('no-such-table') }));
    } finally {
      logged.mockRestore();
    }
  });
});

describe('a process function whose store fails', () => {
  it('answers a sync request 500 and reports every record of a batch as failed, without throwing', async () => {
    const broken = stack.processHandler(orderProcess('orders').definition, { [SLUICE_ENV.taskTable]: 'no-such-table' });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const reply = (await broken(httpApiEvent({ method: 'POST', path: '/orders', body: JSON.stringify({ orderId: 'x' }) }), lambdaContext())) as Reply;
      expect(reply.statusCode).toBe(500);
      expect(JSON.parse(reply.body)).toEqual({ error: 'InternalError', message: 'internal error' });

      await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.orders!.url, MessageBody: JSON.stringify({ orderId: 'y' }) }));
      const messages = await receiveAll('orders', 1);
      const event = sqsEventOf(stack.queues.orders!.arn, messages);
      const response = (await broken(event, lambdaContext())) as SQSBatchResponse;
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: messages[0]!.MessageId }]);
      expect(logged).toHaveBeenCalled();
      // Delivered for real this time, so the queue is clean for whoever comes next.
      expect((await deliver('orders', messages)).batchItemFailures).toEqual([]);
    } finally {
      logged.mockRestore();
    }
  });
});
