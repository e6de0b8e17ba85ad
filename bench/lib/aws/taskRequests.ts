/**
 * AWS requests per task: the Lambda handlers of the repository's service,
 * built in this process from the same environment the packaged functions
 * get (`processDepsFromEnv` / `platformDepsFromEnv`), their SDK clients
 * pointed at the emulators and counted with `createRequestCounter()` and a
 * capacity recorder. The benchmark plays API Gateway, EventBridge, the
 * producers and the SQS event source mapping (its requests are counted
 * apart, as "outside" requests).
 */
import { DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { platformDepsFromEnv, createPlatformHandler } from '../../../lib/aws/lambda/platformHandler.js';
import { createProcessHandler, processDepsFromEnv, type LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { createRequestCounter, type RequestCounter } from '../../../lib/aws/requestCounter.js';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import { processDefinitionOf } from '../../../lib/sdk/defineProcess.js';
import { lambdaContext, sqsEventOf } from '../../../test/aws/lambda/lambdaEvents.js';
import { createCapacityRecorder, type CapacityTotals } from './consumedCapacity.js';
import { entryOf } from './serverlessEsbuild.js';
import type { EmulatedStack } from './emulatedStack.js';
import { clickstreamBody, customerSyncEvent, firingTime, pollEvent, receiveMessages, scheduleEventOf, sendMessages, submitRollupEvent } from './serviceEvents.js';
import type { Template } from '../../../test/aws/packaging/packagedService.js';

/** The steps measured, in order. */
export const STEPS = ['sync', 'submit', 'run', 'poll', 'duplicate', 'stream', 'schedule'] as const;
export type Step = (typeof STEPS)[number];

export interface StepCount {
  /** Requests of the Sluice functions, by `Service.Operation`. */
  requests: Record<string, number>;
  /** Requests the benchmark made in the role of the producer or the event source mapping. */
  outside: Record<string, number>;
  capacity: CapacityTotals;
  /** Bytes of the SQS message bodies involved (for the 64 KB billing chunks). */
  messageBytes: number[];
}

/** One function, built as in its container, with the names the report uses. */
export interface HandlerSpec {
  key: string;
  logicalId: string;
  handler: string;
  env: Record<string, string>;
}

export interface TaskRequestOptions {
  repoRoot: string;
  stack: EmulatedStack;
  template: Template;
  /** The sync route's function, the async/scheduled one, the streaming one, the platform. */
  functions: { sync: HandlerSpec; rollup: HandlerSpec; stream: HandlerSpec; platform: HandlerSpec };
  /** The streaming function's own (non task) queue. */
  streamQueue: string;
  /** The rollup function's task queue. */
  rollupTaskQueue: string;
  repetitions: number;
}

interface Reply {
  statusCode: number;
  body: string;
}

async function processDefinition(repoRoot: string, handler: string) {
  const dot = handler.lastIndexOf('.');
  const module = (await import(pathToFileURL(path.join(repoRoot, entryOf(repoRoot, handler))).href)) as Record<string, unknown>;
  const definition = processDefinitionOf(module[handler.slice(dot + 1)]);
  if (!definition) throw new Error(`${handler} is not a Sluice process handler`);
  return definition;
}

const context = (): Context => lambdaContext(30_000, 'bench');

function expectReply(step: string, value: unknown, status: number): Reply {
  const reply = value as Reply;
  if (reply?.statusCode !== status) throw new Error(`${step}: expected HTTP ${status}, got ${JSON.stringify(value).slice(0, 500)}`);
  return reply;
}

function expectNoFailures(step: string, value: unknown): void {
  const failures = (value as { batchItemFailures?: unknown[] })?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length > 0) throw new Error(`${step}: expected no batch item failures, got ${JSON.stringify(value).slice(0, 500)}`);
}

/**
 * Runs every step `repetitions` times and returns each repetition's counts.
 * Each step checks its outcome (status, failures, the stored task), so that a
 * count never comes from a failing path.
 */
export async function countTaskRequests(options: TaskRequestOptions): Promise<Record<Step, StepCount[]>> {
  const { stack, template, functions } = options;
  const counter: RequestCounter = createRequestCounter();
  const capacity = createCapacityRecorder();
  const outside: RequestCounter = createRequestCounter();
  const clients: Array<{ destroy(): void }> = [];
  const countedDynamo = () => {
    const client = capacity.attach(counter.attach(stack.newDynamoClient()));
    clients.push(client);
    return client;
  };

  // The containers: configuration from the deployed environment, clients to the emulators.
  const build = async (spec: HandlerSpec): Promise<LambdaHandler> => {
    const deps = processDepsFromEnv(spec.env);
    deps.dynamo.destroy();
    return createProcessHandler(await processDefinition(options.repoRoot, spec.handler), { ...deps, dynamo: countedDynamo() });
  };
  const syncFn = await build(functions.sync);
  const rollupFn = await build(functions.rollup);
  const streamFn = await build(functions.stream);
  const platformDeps = platformDepsFromEnv(functions.platform.env);
  platformDeps.dynamo.destroy();
  platformDeps.sqs.destroy();
  // As platformDepsFromEnv makes it: requests to the SDK's endpoint, not to the queue URL's host.
  const platformSqs = counter.attach(stack.newSqsClient({ useQueueUrlAsEndpoint: false }));
  clients.push(platformSqs);
  const platform = createPlatformHandler({ ...platformDeps, dynamo: countedDynamo(), sqs: platformSqs });
  // The producer and the event source mapping.
  const esm = outside.attach(stack.newSqsClient());
  clients.push(esm);

  const taskQueueUrl = stack.queueUrls[options.rollupTaskQueue]!;
  const streamQueueUrl = stack.queueUrls[options.streamQueue]!;
  const rollupArn = stack.queueArns[options.rollupTaskQueue]!;
  const streamArn = stack.queueArns[options.streamQueue]!;

  const results = Object.fromEntries(STEPS.map((s) => [s, [] as StepCount[]])) as Record<Step, StepCount[]>;
  const reset = () => {
    counter.reset();
    capacity.reset();
    outside.reset();
  };
  const record = (step: Step, messages: readonly Message[] = []) => {
    results[step].push({
      requests: counter.snapshot().requests,
      outside: outside.snapshot().requests,
      capacity: capacity.snapshot(),
      messageBytes: messages.map((m) => Buffer.byteLength(m.Body ?? '')),
    });
  };
  const deleteMessages = async (url: string, messages: readonly Message[]) => {
    for (const m of messages) await esm.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  };

  try {
    for (let i = 0; i < options.repetitions; i++) {
      // A sync task: the route answers with the result, and stores the record.
      reset();
      expectReply('sync task', await syncFn(customerSyncEvent(1_000 + i), context()), 200);
      record('sync');

      // An async task: submitted through the platform ...
      reset();
      const accepted = expectReply('async submit', await platform(submitRollupEvent(1_000 + i), context()), 202);
      const { taskId } = JSON.parse(accepted.body) as { taskId: string };
      record('submit');

      // ... delivered by the event source mapping (one receive, the handler, one delete) ...
      reset();
      const messages = await receiveMessages(esm, taskQueueUrl, 1);
      if (messages[0]!.MessageAttributes?.[TASK_ID_ATTRIBUTE]?.StringValue !== taskId) throw new Error(`the task queue held another message than task ${taskId}`);
      const delivery = sqsEventOf(rollupArn, messages);
      expectNoFailures('async run', await rollupFn(delivery, context()));
      await deleteMessages(taskQueueUrl, messages);
      record('run', messages);

      // ... and polled once.
      reset();
      const polled = expectReply('status poll', await platform(pollEvent(taskId), context()), 200);
      const status = (JSON.parse(polled.body) as { status?: string }).status;
      if (status !== 'succeeded') throw new Error(`status poll: task ${taskId} is ${status}, not succeeded`);
      record('poll');

      // A duplicate delivery of that message (SQS delivers at least once): nothing runs again.
      reset();
      expectNoFailures('duplicate delivery', await rollupFn(delivery, context()));
      record('duplicate', messages);

      // A streaming message: sent by a producer, delivered by the event source mapping.
      reset();
      await sendMessages(esm, streamQueueUrl, [clickstreamBody()]);
      const streamed = await receiveMessages(esm, streamQueueUrl, 1);
      expectNoFailures('streaming message', await streamFn(sqsEventOf(streamArn, streamed), context()));
      await deleteMessages(streamQueueUrl, streamed);
      record('stream', streamed);

      // A schedule firing.
      reset();
      const fired = (await rollupFn(scheduleEventOf(template, functions.rollup.logicalId, firingTime(1_000 + i)), context())) as { status?: string; ran?: boolean };
      if (fired?.status !== 'succeeded' || fired.ran !== true) throw new Error(`schedule firing: ${JSON.stringify(fired)}`);
      record('schedule');
    }
  } finally {
    for (const client of clients) client.destroy();
  }
  return results;
}
