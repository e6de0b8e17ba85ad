/**
 * Issue 10 on the AWS runtime, through the Lambda handlers on the emulators
 * (DynamoDB Local, fauxqs; the test plays the event source mapping): a
 * retry's delay is applied with ChangeMessageVisibility before the record is
 * reported in `batchItemFailures`; a running task notices a cancel by
 * reading its record (no signal reaches another Lambda); replay goes through
 * the platform function.
 */
import { resolve } from 'node:path';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAwsConfig, type AwsProcessConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import { delayRetryOnSqs } from '../../../lib/aws/lambda/delayRetryOnSqs.js';
import { createProcessHandler, type LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { queueUrlFromGetQueueUrl } from '../../../lib/aws/queueUrlResolvers.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { processDefinitionOf } from '../../../lib/sdk/defineProcess.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { handler as echo } from '../../fixtures/control/functions/echo.js';
import { handler as flaky } from '../../fixtures/control/functions/flaky.js';
import { handler as slow } from '../../fixtures/control/functions/slow.js';
import { eventually } from '../../helpers/time.js';
import { createDynamoClient } from '../awsTestEnv.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

const SERVICE_ROOT = resolve(import.meta.dirname, '../../fixtures/control');
const HANDLERS = { flaky, slow, echo } as const;
type Name = keyof typeof HANDLERS;

let stack: LambdaStack;
let platform: LambdaHandler;
const clients: Array<{ destroy(): void }> = [];
const delays: Array<{ queueArn: string; delaySeconds: number }> = [];

beforeAll(async () => {
  stack = await createLambdaStack({ processes: (Object.keys(HANDLERS) as Name[]).map((name) => ({ name, timeoutSeconds: 20 })), maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
  platform = stack.platformHandler();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await stack?.destroy();
});

function worker(name: Name, options: { clock?: ManualClock; trackRunning?: boolean; env?: Record<string, string> } = {}): LambdaHandler {
  const dynamo = createDynamoClient();
  clients.push(dynamo);
  const config = readAwsConfig(stack.processEnv(name, options.env)) as AwsProcessConfig;
  // The real ChangeMessageVisibility on fauxqs (URLs by GetQueueUrl there), with each call noted.
  const change = delayRetryOnSqs(stack.sqs, queueUrlFromGetQueueUrl(stack.sqs));
  return createProcessHandler(processDefinitionOf(HANDLERS[name])!, {
    config,
    dynamo,
    serviceRoot: SERVICE_ROOT,
    cancelPollMs: 1000,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.trackRunning ? { trackRunning: true } : {}),
    delayRetry: async (queueArn, receiptHandle, delaySeconds) => {
      delays.push({ queueArn, delaySeconds });
      await change(queueArn, receiptHandle, delaySeconds);
    },
  });
}

async function platformCall(method: string, path: string, body?: unknown): Promise<{ statusCode: number; json: any }> {
  const event = httpApiEvent({ method, path, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, 'platform');
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
  return { statusCode: reply.statusCode, json: JSON.parse(reply.body) };
}

async function submit(process: Name, payload: unknown): Promise<string> {
  const reply = await platformCall('POST', '/sluice/tasks', { process, payload });
  expect(reply.statusCode).toBe(202);
  return reply.json.taskId as string;
}

async function receiveOne(process: Name, waitSeconds = 2) {
  const [message] = await stack.receive(stack.queues[process]!.url, { max: 1, waitSeconds, visibilitySeconds: 1 });
  return message;
}

const task = async (taskId: string) => (await stack.store.get(taskId)) as TaskRecord;

describe('AWS runtime: task control', () => {
  it('delays a retry with ChangeMessageVisibility before reporting the batch item failure', async () => {
    const handler = worker('flaky', { env: { [SLUICE_ENV.retryBackoff]: JSON.stringify({ initialSeconds: 600, multiplier: 2, maxSeconds: 900, jitter: 'none' }) } });
    const taskId = await submit('flaky', { failures: 1 });
    const message = (await receiveOne('flaky'))!;
    const reply = (await handler(sqsEventOf(stack.queues.flaky!.arn, [message]), lambdaContext(30_000))) as SQSBatchResponse;
    expect(reply.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(delays.at(-1)).toEqual({ queueArn: stack.queues.flaky!.arn, delaySeconds: 600 });
    expect(await task(taskId)).toMatchObject({ status: 'queued', attempts: 1 });
    // The receive made it invisible for 1 s only: without the change it would be back by now.
    expect(await receiveOne('flaky', 3)).toBeUndefined();
  });

  it('a RetryAfterError(0) makes the message visible again at once', async () => {
    const handler = worker('flaky');
    const taskId = await submit('flaky', { failures: 1, retryAfter: 0 });
    const message = (await receiveOne('flaky'))!;
    const reply = (await handler(sqsEventOf(stack.queues.flaky!.arn, [message]), lambdaContext(30_000))) as SQSBatchResponse;
    expect(reply.batchItemFailures).toHaveLength(1);
    expect(delays.at(-1)!.delaySeconds).toBe(0);
    const again = (await receiveOne('flaky'))!;
    expect(again.MessageId).toBe(message.MessageId);
    await handler(sqsEventOf(stack.queues.flaky!.arn, [again]), lambdaContext(30_000));
    expect(await task(taskId)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a running task reads its record and ends cancelled when a cancel was asked for (trackRunning)', async () => {
    const clock = new ManualClock();
    const handler = worker('slow', { clock, trackRunning: true });
    const taskId = await submit('slow', {});
    const message = (await receiveOne('slow'))!;
    const batch = handler(sqsEventOf(stack.queues.slow!.arn, [message]), lambdaContext(30_000)) as Promise<SQSBatchResponse>;
    await eventually(async () => (await task(taskId)).status === 'running');
    const cancel = await platformCall('POST', `/sluice/tasks/${taskId}/cancel`);
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json.task.cancelRequestedAt).toBeDefined();
    await clock.advance(1000); // the next read of its record
    expect((await batch).batchItemFailures).toEqual([]);
    expect(await task(taskId)).toMatchObject({ status: 'cancelled', error: { name: 'TaskCancelled' } });
    expect((await platformCall('POST', `/sluice/tasks/${taskId}/cancel`)).statusCode).toBe(409);
  });

  it('without trackRunning a running task shows queued: the cancel marks it cancelled and the task stops at its next read', async () => {
    const clock = new ManualClock();
    const handler = worker('slow', { clock });
    const taskId = await submit('slow', {});
    const message = (await receiveOne('slow'))!;
    const batch = handler(sqsEventOf(stack.queues.slow!.arn, [message]), lambdaContext(30_000)) as Promise<SQSBatchResponse>;
    const cancel = await platformCall('POST', `/sluice/tasks/${taskId}/cancel`);
    expect(cancel.statusCode).toBe(200);
    await clock.advance(1000);
    expect((await batch).batchItemFailures).toEqual([]); // acked: a cancelled task's message is dropped
    expect(await task(taskId)).toMatchObject({ status: 'cancelled' });
  });

  it('replays a failed task through the platform function: a new queued task linked both ways', async () => {
    const handler = worker('echo');
    const taskId = await submit('echo', { n: 5, fail: true });
    await handler(sqsEventOf(stack.queues.echo!.arn, [(await receiveOne('echo'))!]), lambdaContext(30_000));
    expect(await task(taskId)).toMatchObject({ status: 'failed' });
    const replay = await platformCall('POST', `/sluice/tasks/${taskId}/replay`, { payload: { n: 5 } });
    expect(replay.statusCode).toBe(202);
    expect(replay.json).toMatchObject({ replayOf: taskId, status: 'queued' });
    await handler(sqsEventOf(stack.queues.echo!.arn, [(await receiveOne('echo'))!]), lambdaContext(30_000));
    expect(await task(replay.json.taskId)).toMatchObject({ status: 'succeeded', result: { n: 5 }, replayOf: taskId });
    expect(await task(taskId)).toMatchObject({ status: 'failed', replays: [replay.json.taskId] });
    const dry = await platformCall('POST', '/sluice/tasks/replay', { filter: { process: 'echo', status: 'failed' }, dryRun: true });
    expect(dry.json).toMatchObject({ dryRun: true, matched: 1, replayed: 0 });
  });
});
