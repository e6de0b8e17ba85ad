/**
 * How tasks fail on the AWS runtime, through the Lambda handlers on the
 * emulators (DynamoDB Local, fauxqs): the twin of
 * test/embedded/runtime/failuresAndLimits.test.ts, with the same fixture
 * processes and the demo shop's customer-sync. The test plays the event source
 * mapping (deletes what the handler did not report as failed) and SQS redrive.
 */
import { resolve } from 'node:path';
import { DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAwsConfig, type AwsProcessConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { createProcessHandler, type LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { MAX_TASK_RECORD_BYTES } from '../../../lib/core/task/storedRecordSize.js';
import { processDefinitionOf } from '../../../lib/sdk/defineProcess.js';
import { handler as customerSync } from '../../fixtures/demo-shop/functions/customerSync.js';
import { handler as bigResult } from '../../fixtures/errors/functions/bigResult.js';
import { handler as gone } from '../../fixtures/errors/functions/gone.js';
import { handler as handlerThrows } from '../../fixtures/errors/functions/handlerThrows.js';
import { createDynamoClient } from '../awsTestEnv.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

/** On Lambda the service directory is unpacked at LAMBDA_TASK_ROOT; here the fixture's directory plays it. */
const SERVICE_ROOT = resolve(import.meta.dirname, '../../fixtures/errors');
const REPO = resolve(import.meta.dirname, '../../..');
const MAX_RECEIVE_COUNT = 3;

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const HANDLERS = { 'customer-sync': customerSync, gone, 'handler-throws': handlerThrows, 'big-result': bigResult } as const;
type Name = keyof typeof HANDLERS;

let stack: LambdaStack;
let platform: LambdaHandler;
const workers = {} as Record<Name, LambdaHandler>;
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: (Object.keys(HANDLERS) as Name[]).map((name) => ({ name, timeoutSeconds: 20 })),
    maxReceiveCount: MAX_RECEIVE_COUNT,
    visibilityTimeoutSeconds: 30,
  });
  platform = stack.platformHandler();
  for (const name of Object.keys(HANDLERS) as Name[]) {
    const dynamo = createDynamoClient();
    clients.push(dynamo);
    const config = readAwsConfig(stack.processEnv(name)) as AwsProcessConfig;
    workers[name] = createProcessHandler(processDefinitionOf(HANDLERS[name])!, { config, dynamo, serviceRoot: SERVICE_ROOT });
  }
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await stack?.destroy();
});

async function submit(process: Name, payload: unknown): Promise<string> {
  const event = httpApiEvent({ method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process, payload }) }, 'platform');
  const reply = (await platform(event, lambdaContext(10_000))) as Reply;
  expect(reply.statusCode, reply.body).toBe(202);
  return JSON.parse(reply.body).taskId as string;
}

async function callRoute(process: Name, path: string, body: unknown): Promise<Reply & { json: any }> {
  const event = httpApiEvent({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reply = (await workers[process](event, lambdaContext(30_000))) as Reply;
  return { ...reply, json: JSON.parse(reply.body) };
}

/** Receives the task's message (after its visibility timeout, when redelivered). */
async function receiveTask(process: Name, taskId: string): Promise<Message | undefined> {
  for (let round = 0; round < 10; round++) {
    const got = await stack.receive(stack.queues[process]!.url, { waitSeconds: 1, visibilitySeconds: 1 });
    const mine = got.find((m) => m.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue === taskId);
    if (mine) return mine;
  }
  return undefined;
}

/** Invokes the worker with one message, then deletes it unless reported as failed (as Lambda does). */
async function deliver(process: Name, message: Message): Promise<SQSBatchResponse> {
  const queue = stack.queues[process]!;
  const response = (await workers[process](sqsEventOf(queue.arn, [message]), lambdaContext(30_000))) as SQSBatchResponse;
  if (!response.batchItemFailures.some((f) => f.itemIdentifier === message.MessageId)) {
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
  }
  return response;
}

/**
 * Delivers the task's message on every receive until SQS redrive moves it to
 * the DLQ; returns the record after each delivery.
 */
async function deliverUntilDeadLettered(process: Name, taskId: string): Promise<TaskRecord[]> {
  const seen: TaskRecord[] = [];
  for (let receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
    const message = await receiveTask(process, taskId);
    expect(message, `receive ${receive}`).toBeDefined();
    const response = await deliver(process, message!);
    // Failed for good: reported, so that redrive moves the message after maxReceiveCount.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: message!.MessageId }]);
    seen.push((await stack.store.get(taskId))!);
  }
  const dead = await stack.receive(stack.queues[process]!.dlqUrl, { waitSeconds: 2 });
  // The receive after maxReceiveCount moves it; fauxqs does so on the next receive of the source queue.
  if (!dead.some((m) => m.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue === taskId)) {
    expect(await stack.receive(stack.queues[process]!.url, { waitSeconds: 2, visibilitySeconds: 1 })).toEqual([]);
    const later = await stack.receive(stack.queues[process]!.dlqUrl, { waitSeconds: 2 });
    expect(later.some((m) => m.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue === taskId)).toBe(true);
  }
  return seen;
}

function expectNoMachinePaths(record: TaskRecord): void {
  const stored = JSON.stringify(record);
  expect(stored).not.toContain(REPO);
  expect(stored).not.toContain('file://');
}

describe('AWS runtime: how tasks fail', () => {
  it('the demo shop customer-sync submitted with {} fails after one attempt (CustomerNotFound extends NonRetriableError) and is dead-lettered', async () => {
    const taskId = await submit('customer-sync', {});
    const records = await deliverUntilDeadLettered('customer-sync', taskId);
    for (const record of records) {
      expect(record).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'logic', name: 'CustomerNotFound', logic: 'extract' } });
    }
    // Redeliveries ran nothing: the record is the first delivery's, unchanged.
    expect(records[2]).toEqual(records[0]);
    expectNoMachinePaths(records[0]!);
  }, 60_000);

  it('ends a task whose handleError throws as a system error on its first delivery, never running it again', async () => {
    const taskId = await submit('handler-throws', {});
    const records = await deliverUntilDeadLettered('handler-throws', taskId);
    expect(records[0]).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system', logic: 'load' } });
    expect(records[0]!.error?.message).toMatch(/handleError of logic 'load' threw: compensation failed too \(while handling: warehouse rejected the batch\)/);
    expect(records[0]!.logs.filter((l) => l.message.startsWith('attempt '))).toHaveLength(1);
    expect(records[2]).toEqual(records[0]);
  }, 60_000);

  it('answers 500 with the system error for a sync route whose handleError throws', async () => {
    const reply = await callRoute('handler-throws', '/handler-throws', {});
    expect(reply.statusCode).toBe(500);
    expect(reply.json.error).toMatchObject({ kind: 'system', logic: 'load' });
  });

  it('stores the stack relative to the service root (LAMBDA_TASK_ROOT), with no absolute path of this machine', async () => {
    const reply = await callRoute('gone', '/gone', {});
    expect(reply.statusCode).toBe(500);
    const task = (await stack.store.get(reply.headers['x-sluice-task-id']!))!;
    expect(task.error).toMatchObject({ kind: 'logic', name: 'RecordGone' });
    expect(task.error?.stack).toMatch(/\(functions\/gone\.ts:\d+:\d+\)/);
    expectNoMachinePaths(task);
  });

  it('stores a result just under the limit', async () => {
    const reply = await callRoute('big-result', '/big-result', { bytes: MAX_TASK_RECORD_BYTES - 8 * 1024 });
    expect(reply.statusCode).toBe(200);
    expect((reply.json.blob as string).length).toBe(MAX_TASK_RECORD_BYTES - 8 * 1024);
  });

  it('answers a 50 MB sync result with 500 ResultTooLarge, as the embedded runtime does', async () => {
    const reply = await callRoute('big-result', '/big-result', { bytes: 50 * 1024 * 1024 });
    expect(reply.statusCode).toBe(500);
    expect(reply.json.error).toMatchObject({ kind: 'system', name: 'ResultTooLarge' });
    const task = await stack.store.get(reply.headers['x-sluice-task-id']!);
    expect(task).toMatchObject({ status: 'failed', error: { name: 'ResultTooLarge' } });
    expect(task).not.toHaveProperty('result');
  }, 60_000);

  it('fails a queued task whose result is too large as ResultTooLarge on its first delivery, and dead-letters it', async () => {
    const taskId = await submit('big-result', { bytes: 1024 * 1024 });
    const records = await deliverUntilDeadLettered('big-result', taskId);
    expect(records[0]).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system', name: 'ResultTooLarge' } });
    expect(records[2]).toEqual(records[0]);
  }, 60_000);
});
