import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse } from 'aws-lambda';
import * as z from 'zod';
import { ConfigError, MalformedInputError } from '../../core/errors.js';
import { eventTasks, type Subscriber } from '../../core/events/eventTasks.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { TaskDispatcher } from '../../core/ports/TaskDispatcher.js';
import { systemClock } from '../../core/time/systemClock.js';
import { issuesOf, summarizeIssues } from '../../core/validationIssues.js';
import { AwsTaskDispatcher } from '../AwsTaskDispatcher.js';
import type { AwsEventDispatcherConfig } from '../config/readAwsConfig.js';
import { readAwsConfig } from '../config/readAwsConfig.js';
import { DynamoTaskStore } from '../DynamoTaskStore.js';
import { decodeEventItem } from '../eventItemCodec.js';
import { queueUrlFromPrefix, type QueueUrlResolver } from '../queueUrlResolvers.js';
import { SqsMessageQueue } from '../SqsMessageQueue.js';
import type { LambdaHandler } from './processHandler.js';
import { DynamoTriggerRegistry } from '../DynamoTriggerRegistry.js';
import { RegistrySubscribers } from '../triggers/RegistrySubscribers.js';

/** One record of a DynamoDB Streams batch, as Lambda delivers it (only what the dispatcher reads). */
const streamRecordSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventSource: z.literal('aws:dynamodb'),
  dynamodb: z.object({
    SequenceNumber: z.string().min(1),
    // Attribute-value JSON (`{ "S": "..." }`): what the codec reads from the table too.
    NewImage: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  }),
});

const streamEventSchema = z.object({ Records: z.array(z.unknown()) });

/** What the dispatcher works with: the subscriptions and where their tasks go. */
export interface EventStreamContext {
  /** The effective subscriptions (static, and the registry's runtime ones when the function has the trigger table). */
  subscribers(): Promise<readonly Subscriber[]>;
  maxChainDepth: number;
  retentionSeconds: number;
  dispatcher: TaskDispatcher;
  clock: Clock;
}

/**
 * Queues the subscribers' tasks of the events in one stream batch (from the
 * events table: one item per published event, see `eventTable.ts`).
 *
 * - Only `INSERT` records carry a new event (the event source mapping also
 *   filters on it; `REMOVE` records are TTL deletions).
 * - Each event's tasks come from `eventTasks` (subscriptions that match,
 *   none past the chain depth limit), with ids derived from the event and
 *   the subscription: a redelivered record finds its tasks already there and
 *   re-sends a message only while a task is untouched (`AwsTaskDispatcher`),
 *   so nothing runs twice.
 * - Records are handled in stream order, and the first one that fails ends
 *   the batch: it is returned as the one `batchItemFailures` entry (its
 *   `SequenceNumber`). Lambda then retries from that record on, so the
 *   records after it, which it would retry anyway, are not dispatched twice
 *   in the meantime. A malformed record fails like any other (retries, then
 *   the mapping's on-failure destination): it is never skipped silently.
 */
export async function dispatchEventStream(records: readonly unknown[], ctx: EventStreamContext): Promise<DynamoDBBatchResponse> {
  for (const raw of records) {
    const sequenceNumber = sequenceNumberOf(raw);
    try {
      const parsed = streamRecordSchema.safeParse(raw);
      if (!parsed.success) throw new MalformedInputError(`malformed DynamoDB stream record: ${summarizeIssues(issuesOf(parsed.error))}`);
      const record = parsed.data;
      if (record.eventName !== 'INSERT') continue;
      if (record.dynamodb.NewImage === undefined) throw new MalformedInputError('stream record without NewImage: the events table stream must be NEW_IMAGE');
      const event = decodeEventItem(record.dynamodb.NewImage);
      const tasks = eventTasks(event, await ctx.subscribers(), { nowMs: ctx.clock.now(), retentionSeconds: ctx.retentionSeconds, maxChainDepth: ctx.maxChainDepth });
      const outcomes = await Promise.allSettled(tasks.map((task) => ctx.dispatcher.dispatch(task.record, task.envelope, { queue: task.queue })));
      const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      console.error(`event dispatch failed at stream record ${sequenceNumber ?? '(no sequence number)'}; the batch resumes from it`, error);
      // Without a sequence number Lambda cannot resume from the record: fail the whole batch instead.
      if (sequenceNumber === undefined) throw error;
      return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
}

function sequenceNumberOf(raw: unknown): string | undefined {
  const dynamodb = typeof raw === 'object' && raw !== null ? (raw as { dynamodb?: { SequenceNumber?: unknown } }).dynamodb : undefined;
  return typeof dynamodb?.SequenceNumber === 'string' && dynamodb.SequenceNumber !== '' ? dynamodb.SequenceNumber : undefined;
}

/** What the dispatcher function is built from: in Lambda, the environment and fresh clients. */
export interface EventDispatcherDeps {
  config: Readonly<AwsEventDispatcherConfig>;
  /** Created once per container. */
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** @default queueUrlFromPrefix(config.queueUrlPrefix) */
  resolveQueueUrl?: QueueUrlResolver;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * Builds the event dispatcher's Lambda handler: the events table's stream
 * (an event source mapping with `ReportBatchItemFailures`, set by the
 * plugin) in, the subscribers' tasks out (a conditional put of the queued
 * record in the task table, then `SendMessage` to the process's task queue).
 */
export function createEventDispatcherHandler(deps: EventDispatcherDeps): LambdaHandler {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const store = new DynamoTaskStore({ client: deps.dynamo, tableName: config.taskTable, processes: [], clock });
  const queue = new SqsMessageQueue({ client: deps.sqs, resolveQueueUrl: deps.resolveQueueUrl ?? queueUrlFromPrefix(config.queueUrlPrefix) });
  const registered = config.triggers
    ? new RegistrySubscribers({ registry: new DynamoTriggerRegistry({ client: deps.dynamo, tableName: config.triggers.table }), statics: config.subscribers, taskQueues: config.taskQueues, clock })
    : undefined;
  const ctx: EventStreamContext = {
    subscribers: registered ? () => registered.current() : () => Promise.resolve(config.subscribers),
    maxChainDepth: config.maxChainDepth,
    retentionSeconds: config.retentionDays * 86_400,
    // A failed send is retried with the stream record, which re-sends to the still-queued task.
    dispatcher: new AwsTaskDispatcher({ store, queue, clock, onSendFailure: 'keep-queued' }),
    clock,
  };
  return async (event) => {
    const parsed = streamEventSchema.safeParse(event);
    if (!parsed.success) throw new MalformedInputError('unsupported Lambda event: the event dispatcher handles DynamoDB Streams batches of the events table');
    return dispatchEventStream(parsed.data.Records, ctx);
  };
}

/** The configuration and clients of this container, from the environment the plugin set. */
export function eventDispatcherDepsFromEnv(env: NodeJS.ProcessEnv = process.env): EventDispatcherDeps {
  const config = readAwsConfig(env);
  if (config.kind !== 'eventDispatcher') throw new ConfigError(`this function is configured as the '${config.kind}' function, not the event dispatcher`);
  // As the platform function: queue URLs are built from the prefix, requests go to the SDK's endpoint.
  return { config, dynamo: new DynamoDBClient({}), sqs: new SQSClient({ useQueueUrlAsEndpoint: false }) };
}

let dispatcher: LambdaHandler | undefined;

/**
 * The event dispatcher's Lambda handler (the plugin's `sluice-events`
 * function). Built on the first event, then reused by the container; a
 * failure to build is not cached.
 */
export async function handler(event: unknown, context: Context): Promise<unknown> {
  dispatcher ??= createEventDispatcherHandler(eventDispatcherDepsFromEnv());
  return dispatcher(event, context);
}
