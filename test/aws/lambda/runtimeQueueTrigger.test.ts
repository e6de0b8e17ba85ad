/**
 * A process subscribed at run time (`POST /sluice/triggers`, kind `queue`)
 * to a declared queue with a dead-letter queue, on the AWS runtime: its
 * function's `SLUICE_MAX_RECEIVE_COUNTS` is what the plugin writes
 * (buildAwsAdditions, from a serverless.yml where the process consumes the
 * queue at no static trigger), the queue is real (fauxqs, with its redrive),
 * and the test plays the event source mapping. The last receive before SQS
 * moves the message to the DLQ must fail the task for good, not leave it
 * `queued` forever.
 */
import { join } from 'node:path';
import { DeleteMessageCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { buildServiceManifest } from '../../../lib/config/buildServiceManifest.js';
import { expandSluiceDeclarations } from '../../../lib/config/expandSluiceDeclarations.js';
import type { ServerlessConfig } from '../../../lib/config/serverlessConfig.js';
import { queueMessageTaskId } from '../../../lib/core/task/taskIds.js';
import { defineProcess } from '../../../lib/index.js';
import { buildAwsAdditions } from '../../../lib/serverless/buildAwsAdditions.js';
import { declareQueues, deleteQueues } from '../../setup/awsResources.js';
import { lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

const MAX_RECEIVE_COUNT = 2;
const SERVICE_DIR = join(import.meta.dirname, '../../fixtures/serverless/shop-etl');

const failing = defineProcess({
  name: 'orders',
  logics: [
    {
      name: 'load',
      run: () => {
        throw new Error('the warehouse is down');
      },
    },
  ],
  aggregator: { name: 'done', run: () => ({ ok: true }) },
});

let stack: LambdaStack;
let inbox: { name: string; url: string; arn: string; dlqUrl: string };
let worker: LambdaHandler;
let counts: string;

beforeAll(async () => {
  stack = await createLambdaStack({ processes: [{ name: 'orders', timeoutSeconds: 10 }], maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
  const name = `${stack.service}-inbox`;
  const urls = await declareQueues(stack.sqs, [
    { name: `${name}-dlq`, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 },
    { name, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600, deadLetter: { queue: `${name}-dlq`, maxReceiveCount: MAX_RECEIVE_COUNT } },
  ]);
  const arn = (await stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: urls[name], AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  inbox = { name, url: urls[name]!, arn, dlqUrl: urls[`${name}-dlq`]! };

  // What the plugin gives the function: the process has no static trigger on the inbox.
  const config: ServerlessConfig = {
    service: stack.service,
    provider: { name: 'aws' },
    functions: { orders: { handler: 'functions/ordersSync.handler', timeout: 10 } },
    resources: {
      Resources: {
        Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: name, VisibilityTimeout: 30, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['InboxDlq', 'Arn'] }, maxReceiveCount: MAX_RECEIVE_COUNT } } },
        InboxDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${name}-dlq` } },
      },
    },
  };
  const expanded = expandSluiceDeclarations(config, { stage: stack.stage });
  const manifest = buildServiceManifest(expanded, { serviceDir: SERVICE_DIR, region: 'us-east-1', target: 'aws' });
  expect(manifest.processes[0]!.queues.map((q) => q.queue)).not.toContain(name);
  counts = (buildAwsAdditions(expanded, manifest).functions.orders!.environment as Record<string, string>)[SLUICE_ENV.maxReceiveCounts]!;
  worker = stack.processHandler(failing.definition, {
    [SLUICE_ENV.maxReceiveCounts]: counts,
    // Retried at once, so the test need not wait out a backoff.
    [SLUICE_ENV.retryBackoff]: JSON.stringify({ initialSeconds: 0, multiplier: 1, maxSeconds: 0, jitter: 'none' }),
  });
});

afterAll(async () => {
  if (inbox) await deleteQueues(stack.sqs, [inbox.url, inbox.dlqUrl]);
  await stack?.destroy();
});

describe('AWS runtime: a queue subscribed at run time', () => {
  it('the plugin tells the function its maxReceiveCount, so the last receive fails the task (and SQS moves the message)', async () => {
    expect(JSON.parse(counts)).toMatchObject({ [inbox.name]: MAX_RECEIVE_COUNT });
    const sent = await stack.sqs.send(new SendMessageCommand({ QueueUrl: inbox.url, MessageBody: JSON.stringify({ order: 42 }) }));
    let taskId = '';
    const statuses: string[] = [];
    for (let receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
      const [message] = await stack.receive(inbox.url, { waitSeconds: 2, visibilitySeconds: 1 });
      expect(message?.Attributes?.ApproximateReceiveCount, `receive ${receive}`).toBe(String(receive));
      taskId = queueMessageTaskId(inbox.name, sent.MessageId!, Number(message!.Attributes!.SentTimestamp));
      const response = (await worker(sqsEventOf(inbox.arn, [message!]), lambdaContext(10_000))) as SQSBatchResponse;
      // Not done: kept for a retry, or for SQS's redrive after the last one.
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: message!.MessageId }]);
      statuses.push((await stack.store.get(taskId))!.status);
    }
    expect(statuses).toEqual(['queued', 'failed']);
    expect(await stack.store.get(taskId)).toMatchObject({ status: 'failed', attempts: MAX_RECEIVE_COUNT, error: { message: 'the warehouse is down' } });
    // SQS's side: the next receive moves the message to the dead-letter queue.
    expect(await stack.receive(inbox.url, { waitSeconds: 2, visibilitySeconds: 1 })).toEqual([]);
    const dead = await stack.receive(inbox.dlqUrl, { waitSeconds: 2 });
    expect(dead.map((m) => m.MessageId)).toEqual([sent.MessageId]);
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: inbox.dlqUrl, ReceiptHandle: dead[0]!.ReceiptHandle! }));
  });
});
