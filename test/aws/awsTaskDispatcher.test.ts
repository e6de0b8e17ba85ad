import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsTaskDispatcher } from '../../lib/aws/AwsTaskDispatcher.js';
import { DynamoTaskStore } from '../../lib/aws/DynamoTaskStore.js';
import { queueUrlFromGetQueueUrl } from '../../lib/aws/queueUrlResolvers.js';
import { SqsMessageQueue } from '../../lib/aws/SqsMessageQueue.js';
import { PayloadTooLargeError, UnknownQueueError } from '../../lib/core/errors.js';
import { firstForbiddenCharacter } from '../../lib/core/queue/sqsRules.js';
import type { ReceivedMessage } from '../../lib/core/ports/MessageQueue.js';
import { TASK_ID_ATTRIBUTE, type TaskEnvelope } from '../../lib/core/ports/TaskDispatcher.js';
import type { TaskRecord } from '../../lib/core/task/TaskRecord.js';
import { describeTaskDispatcherContract } from '../contracts/taskDispatcherContract.js';
import { makeRecord } from '../contracts/taskStoreContract.js';
import { createTaskTable, declareQueues, deleteQueues, deleteTable } from '../setup/awsResources.js';
import { createDynamoClient, createSqsClient, uniqueName } from './awsTestEnv.js';

interface Stack {
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  tableName: string;
  queueName: string;
  queueUrl: string;
  store: DynamoTaskStore;
  queue: SqsMessageQueue;
  dispatcher: AwsTaskDispatcher;
  destroy(): Promise<void>;
}

async function createStack(): Promise<Stack> {
  const dynamo = createDynamoClient();
  const sqs = createSqsClient();
  const tableName = uniqueName('dispatch-tasks');
  const queueName = uniqueName('dispatch-q');
  await createTaskTable(dynamo, tableName);
  const queueUrl = (await declareQueues(sqs, [{ name: queueName, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]))[queueName]!;
  const store = new DynamoTaskStore({ client: dynamo, tableName, processes: ['p'] });
  const queue = new SqsMessageQueue({ client: sqs, resolveQueueUrl: queueUrlFromGetQueueUrl(sqs) });
  return {
    dynamo,
    sqs,
    tableName,
    queueName,
    queueUrl,
    store,
    queue,
    dispatcher: new AwsTaskDispatcher({ store, queue }),
    async destroy() {
      await deleteQueues(sqs, [queueUrl]);
      await deleteTable(dynamo, tableName);
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

describeTaskDispatcherContract('AwsTaskDispatcher on DynamoDB Local + fauxqs', async () => {
  const stack = await createStack();
  return { dispatcher: stack.dispatcher, store: stack.store, queue: stack.queue, queueName: stack.queueName, cleanup: () => stack.destroy() };
});

describe('AwsTaskDispatcher retries', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack();
  });
  afterAll(async () => {
    await stack.destroy();
  });

  const envelopeFor = (record: TaskRecord): TaskEnvelope => ({
    taskId: record.taskId,
    process: record.process,
    trigger: record.trigger,
    createdAt: record.createdAt,
    payload: { type: 'api', body: { n: 1 } },
  });

  async function drain(name = stack.queueName): Promise<ReceivedMessage[]> {
    const got: ReceivedMessage[] = [];
    for (;;) {
      const batch = await stack.queue.receive(name, { maxMessages: 10, waitTimeSeconds: 1 });
      if (batch.length === 0) return got;
      for (const m of batch) await stack.queue.delete(name, m.receiptHandle);
      got.push(...batch);
    }
  }

  it('sends the envelope again for a retried submission of a task that is still queued', async () => {
    const record = makeRecord({ payloadHash: 'same' });
    const target = { queue: stack.queueName };
    expect(await stack.dispatcher.dispatch(record, envelopeFor(record), target)).toEqual({ created: true });
    expect(await stack.dispatcher.dispatch(record, envelopeFor(record), target)).toEqual({ created: false, existing: record });
    const messages = await drain();
    expect(messages.map((m) => m.attributes[TASK_ID_ATTRIBUTE])).toEqual([record.taskId, record.taskId]);
  });

  it('sends nothing for a task that started, or for a different payload under the same id', async () => {
    const running = makeRecord({ status: 'running', attempts: 1, payloadHash: 'h' });
    await stack.store.create(running);
    const queued = makeRecord({ payloadHash: 'h1' });
    await stack.store.create(queued);
    const target = { queue: stack.queueName };
    expect(await stack.dispatcher.dispatch({ ...running, status: 'queued', attempts: 0 }, envelopeFor(running), target)).toEqual({ created: false, existing: running });
    expect(await stack.dispatcher.dispatch({ ...queued, payloadHash: 'h2' }, envelopeFor(queued), target)).toEqual({ created: false, existing: queued });
    expect(await drain()).toEqual([]);
  });

  it('marks the task failed when its send fails, so no record waits for a message that will never come', async () => {
    const record = makeRecord({ payloadHash: 'retry' });
    const missing = uniqueName('not-yet');
    await expect(stack.dispatcher.dispatch(record, envelopeFor(record), { queue: missing })).rejects.toBeInstanceOf(UnknownQueueError);
    const failed = await stack.store.get(record.taskId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 0, error: { kind: 'system', name: 'DispatchFailed' } });
    expect(failed!.error!.message).toContain(missing);
    // A retried submission finds the final record and sends nothing.
    const urls = await declareQueues(stack.sqs, [{ name: missing, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
    try {
      expect(await stack.dispatcher.dispatch(record, envelopeFor(record), { queue: missing })).toEqual({ created: false, existing: failed });
      expect(await drain(missing)).toEqual([]);
    } finally {
      await deleteQueues(stack.sqs, Object.values(urls));
    }
  });

  it("with onSendFailure 'keep-queued' (the event dispatcher), leaves the task queued when its send fails, and the retry sends it", async () => {
    const dispatcher = new AwsTaskDispatcher({ store: stack.store, queue: stack.queue, onSendFailure: 'keep-queued' });
    const record = makeRecord({ payloadHash: 'stream' });
    const missing = uniqueName('not-yet');
    await expect(dispatcher.dispatch(record, envelopeFor(record), { queue: missing })).rejects.toBeInstanceOf(UnknownQueueError);
    expect(await stack.store.get(record.taskId)).toEqual(record);
    const urls = await declareQueues(stack.sqs, [{ name: missing, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
    try {
      expect(await dispatcher.dispatch(record, envelopeFor(record), { queue: missing })).toEqual({ created: false, existing: record });
      expect((await drain(missing)).map((m) => m.attributes[TASK_ID_ATTRIBUTE])).toEqual([record.taskId]);
    } finally {
      await deleteQueues(stack.sqs, Object.values(urls));
    }
  });

  it('refuses an envelope over SQS\'s message size before writing the record', async () => {
    const record = makeRecord({ payloadHash: 'big' });
    const envelope = { ...envelopeFor(record), payload: { type: 'api', body: 'x'.repeat(1_048_576) } };
    await expect(stack.dispatcher.dispatch(record, envelope, { queue: stack.queueName })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await stack.store.get(record.taskId)).toBeUndefined();
    expect(await drain()).toEqual([]);
  });

  it('carries every JSON string SQS would refuse raw, escaped, and back unchanged', async () => {
    // (No astral character here: fauxqs refuses them, unlike SQS — its check works on UTF-16 code units.)
    const body = { tag: 'a\uFFFFb', nul: 'a\u0000b', bel: '\u0007', fffe: '\uFFFE', lone: ['\uD800', 'x\uDFFFy'], 'key\u0001': 1 } as Record<string, unknown>;
    const record = makeRecord({ payloadHash: 'chars' });
    const envelope: TaskEnvelope = { ...envelopeFor(record), payload: { type: 'api', body } };
    expect(await stack.dispatcher.dispatch(record, envelope, { queue: stack.queueName })).toEqual({ created: true });
    const [message, ...rest] = await drain();
    expect(rest).toEqual([]);
    expect(firstForbiddenCharacter(message!.body)).toBeUndefined();
    expect(JSON.parse(message!.body)).toEqual(envelope);
  });
});
