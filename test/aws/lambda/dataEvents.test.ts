/**
 * Data events on the emulators, through the Lambda handlers: a process
 * function publishes its events with its final record (one transaction into
 * DynamoDB Local), the event dispatcher queues the subscribers' tasks
 * (DynamoDB Local + fauxqs), the subscriber's process function runs them.
 *
 * The stream is played by the test: DynamoDB Local has streams, but the
 * repository has no DynamoDB Streams client (`@aws-sdk/client-dynamodb-streams`),
 * so each stream record is built as Lambda delivers it, around the item
 * really stored in the events table (its `NewImage`, read back with GetItem).
 */
import { DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { awsEndpoints } from '../awsTestEnv.js';
import type { DynamoDBBatchResponse, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DynamoEventStore } from '../../../lib/aws/DynamoEventStore.js';
import { DynamoTaskStore } from '../../../lib/aws/DynamoTaskStore.js';
import { EVENT_ITEM } from '../../../lib/aws/eventItemCodec.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import type { DataEvent } from '../../../lib/core/events/DataEvent.js';
import { subscriptionId } from '../../../lib/core/events/EventSubscription.js';
import { eventTaskId } from '../../../lib/core/events/eventTasks.js';
import { newTaskId } from '../../../lib/core/task/taskIds.js';
import { isoTime } from '../../../lib/core/time/isoTime.js';
import { defineProcess } from '../../../lib/index.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

const LANDING = 's3://landing/orders.csv';
const ORDERS = 'postgres://warehouse/public.orders';
const DAILY = 'postgres://warehouse/public.daily';

const loader = defineProcess({
  name: 'loader',
  input: z.strictObject({ file: z.string() }),
  logics: [
    {
      name: 'load',
      async run(ctx) {
        await ctx.events.emit({ label: 'orders.loaded', source: `s3://landing/${ctx.input.file}`, target: ORDERS, meta: { rows: 3 } });
      },
    },
  ],
  aggregator: { name: 'out', run: () => ({ loaded: true }) },
});

const rollup = defineProcess({
  name: 'rollup',
  logics: [
    {
      name: 'roll',
      async run(ctx) {
        await ctx.events.emit({ label: 'daily.rolled', source: ORDERS, target: DAILY });
      },
    },
  ],
  aggregator: { name: 'out', run: (ctx) => ({ via: ctx.payload.type, label: (ctx.input as DataEvent).label, upstreamTask: (ctx.input as DataEvent).taskId }) },
});

const audit = defineProcess({ name: 'audit', logics: [{ name: 'note', run: () => undefined }], aggregator: { name: 'out', run: () => null } });
const ignored = defineProcess({ name: 'ignored', logics: [{ name: 'never', run: () => undefined }], aggregator: { name: 'out', run: () => null } });

let stack: LambdaStack;
let platform: LambdaHandler;
let dispatcher: LambdaHandler;
let events: DynamoEventStore;
let publisher: DynamoTaskStore;
const workers: Record<string, LambdaHandler> = {};
const ROLLUP_SUBSCRIPTION = subscriptionId('rollup', { label: 'orders.*' });

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [
      { name: 'loader', timeoutSeconds: 10 },
      { name: 'rollup', timeoutSeconds: 10, subscriptions: [{ label: 'orders.*' }] },
      // At chain depth 2, past the limit of 1: rollup's events trigger nothing.
      { name: 'audit', timeoutSeconds: 10, subscriptions: [{ label: 'daily.rolled' }] },
      { name: 'ignored', timeoutSeconds: 10, subscriptions: [{ label: 'orders.loaded', source: 's3://elsewhere/orders.csv' }] },
    ],
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
    events: { maxChainDepth: 1 },
  });
  platform = stack.platformHandler();
  dispatcher = stack.eventDispatcherHandler();
  for (const definition of [loader, rollup, audit, ignored]) workers[definition.definition.name!] = stack.processHandler(definition.definition);
  events = new DynamoEventStore({ client: stack.dynamo, tableName: stack.eventsTableName! });
  publisher = new DynamoTaskStore({ client: stack.dynamo, tableName: stack.tableName, eventsTableName: stack.eventsTableName!, processes: ['loader'] });
});
afterAll(async () => {
  await stack?.destroy();
});

let sequence = 1000;
/** The stream record Lambda would deliver for the event's INSERT, around the item as stored. */
async function streamRecordOf(eventId: string): Promise<Record<string, unknown>> {
  const item = (await stack.dynamo.send(new GetItemCommand({ TableName: stack.eventsTableName!, Key: { [EVENT_ITEM.eventId]: { S: eventId } }, ConsistentRead: true }))).Item;
  if (!item) throw new Error(`event ${eventId} is not stored`);
  const seq = String(++sequence).padStart(21, '0');
  return {
    eventID: `e${seq}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: { ApproximateCreationDateTime: Math.floor(Date.now() / 1000), Keys: { [EVENT_ITEM.eventId]: { S: eventId } }, NewImage: item, SequenceNumber: seq, SizeBytes: 512, StreamViewType: 'NEW_IMAGE' },
    eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${stack.eventsTableName}/stream/2026-11-29T00:00:00.000`,
  };
}

const dispatch = async (records: Array<Record<string, unknown>>) => (await dispatcher({ Records: records }, lambdaContext(30_000))) as DynamoDBBatchResponse;

async function deliver(process: string, messages: readonly Message[]): Promise<SQSBatchResponse> {
  const queue = stack.queues[process]!;
  const response = (await workers[process]!(sqsEventOf(queue.arn, messages), lambdaContext(30_000))) as SQSBatchResponse;
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of messages) if (!failed.has(m.MessageId!)) await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle }));
  return response;
}

const receive = (process: string, waitSeconds = 1) => stack.receive(stack.queues[process]!.url, { waitSeconds, visibilitySeconds: 30 });

/** An event published directly (a saved final record of a loader task). */
async function published(label: string, source = LANDING): Promise<DataEvent> {
  const now = Date.now();
  const taskId = newTaskId(now);
  const event: DataEvent = { eventId: newTaskId(now), label, source, target: ORDERS, sequence: 0, createdAt: isoTime(now), taskId, process: 'loader', logic: 'load', attempt: 1, depth: 0 };
  const record = { taskId, process: 'loader', status: 'succeeded' as const, trigger: { type: 'api' as const }, createdAt: isoTime(now), attempts: 1, logs: [], expiresAt: Math.floor(now / 1000) + 3600 };
  expect(await publisher.save(record, [event])).toEqual({ saved: true });
  return event;
}

describe('data events across process functions', () => {
  it('publishes with the final record, queues each matching subscriber once, runs it with the event as input, and stops at the chain depth limit', async () => {
    // The loader runs from the platform API's queue, and publishes its event with its final record.
    const submitted = (await platform(httpApiEvent({ method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process: 'loader', payload: { file: 'orders.csv' } }) }, 'platform'), lambdaContext())) as { statusCode: number; body: string };
    expect(submitted.statusCode).toBe(202);
    const loaderTask = JSON.parse(submitted.body).taskId as string;
    expect((await deliver('loader', await receive('loader', 2))).batchItemFailures).toEqual([]);
    expect(await stack.store.get(loaderTask)).toMatchObject({ status: 'succeeded' });
    const [loaded] = (await events.search({ taskId: loaderTask, limit: 10 })).items;
    expect(loaded).toMatchObject({ label: 'orders.loaded', source: LANDING, target: ORDERS, meta: { rows: 3 }, process: 'loader', logic: 'load', depth: 0 });

    // The stream hands the INSERT to the dispatcher: rollup's task is queued, nobody else's.
    const record = await streamRecordOf(loaded!.eventId);
    expect(await dispatch([record])).toEqual({ batchItemFailures: [] });
    const rollupTask = eventTaskId(loaded!.eventId, loaded!.createdAt, ROLLUP_SUBSCRIPTION);
    expect(await stack.store.get(rollupTask)).toMatchObject({
      process: 'rollup',
      status: 'queued',
      attempts: 0,
      trigger: { type: 'event', eventId: loaded!.eventId, label: 'orders.loaded', subscription: ROLLUP_SUBSCRIPTION, depth: 1 },
    });
    const messages = await receive('rollup', 2);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.Body!)).toMatchObject({ taskId: rollupTask, process: 'rollup', payload: { type: 'event', subscription: ROLLUP_SUBSCRIPTION, event: loaded } });
    expect(await receive('ignored')).toEqual([]);

    // The subscriber runs with the event as its input, and publishes its own event at depth 1.
    expect((await deliver('rollup', messages)).batchItemFailures).toEqual([]);
    expect(await stack.store.get(rollupTask)).toMatchObject({ status: 'succeeded', result: { via: 'event', label: 'orders.loaded', upstreamTask: loaderTask } });
    const [rolled] = (await events.search({ taskId: rollupTask, limit: 10 })).items;
    expect(rolled).toMatchObject({ label: 'daily.rolled', source: ORDERS, target: DAILY, depth: 1 });

    // The same stream record again (a retried batch): the task is done, nothing is sent.
    expect(await dispatch([record])).toEqual({ batchItemFailures: [] });
    expect(await receive('rollup')).toEqual([]);
    expect(await stack.store.get(rollupTask)).toMatchObject({ status: 'succeeded', attempts: 1 });

    // rollup's event would start audit at depth 2: past custom.sluice.events.maxChainDepth (1), nothing is queued.
    expect(await dispatch([await streamRecordOf(rolled!.eventId)])).toEqual({ batchItemFailures: [] });
    expect(await receive('audit')).toEqual([]);
    expect(await stack.store.get(eventTaskId(rolled!.eventId, rolled!.createdAt, subscriptionId('audit', { label: 'daily.rolled' })))).toBeUndefined();
  });

  it('a record redelivered while its task is still queued re-sends the message of the same task, which runs once', async () => {
    const event = await published('orders.loaded');
    const record = await streamRecordOf(event.eventId);
    const taskId = eventTaskId(event.eventId, event.createdAt, ROLLUP_SUBSCRIPTION);
    expect(await dispatch([record])).toEqual({ batchItemFailures: [] });
    const before = await stack.store.get(taskId);
    expect(await dispatch([record])).toEqual({ batchItemFailures: [] });
    expect(await stack.store.get(taskId)).toEqual(before);
    const first = await receive('rollup', 2);
    const second = first.length >= 2 ? [] : await receive('rollup', 2);
    const messages = [...first, ...second];
    expect(messages.map((m) => JSON.parse(m.Body!).taskId)).toEqual([taskId, taskId]);
    // Two deliveries, one after the other (as two polls): the second finds the task finished.
    expect((await deliver('rollup', [messages[0]!])).batchItemFailures).toEqual([]);
    expect((await deliver('rollup', [messages[1]!])).batchItemFailures).toEqual([]);
    expect(await stack.store.get(taskId)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('reports the first failing record of a batch by its sequence number and dispatches nothing after it', async () => {
    const [a, b] = [await published('orders.loaded'), await published('orders.loaded')];
    const good = await streamRecordOf(a.eventId);
    const later = await streamRecordOf(b.eventId);
    const broken = structuredClone(await streamRecordOf(b.eventId)) as { dynamodb: { NewImage: Record<string, unknown>; SequenceNumber: string } };
    delete broken.dynamodb.NewImage[EVENT_ITEM.body];
    const removal = { ...good, eventName: 'REMOVE', dynamodb: { ...(good.dynamodb as object), SequenceNumber: '000000000000000000999' } };

    const response = await dispatch([removal, good, broken as unknown as Record<string, unknown>, later]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb.SequenceNumber }] });
    expect(await stack.store.get(eventTaskId(a.eventId, a.createdAt, ROLLUP_SUBSCRIPTION))).toMatchObject({ status: 'queued' });
    expect(await stack.store.get(eventTaskId(b.eventId, b.createdAt, ROLLUP_SUBSCRIPTION))).toBeUndefined();

    // Lambda resumes from the failed record; once it reads well, the rest follows.
    expect(await dispatch([later])).toEqual({ batchItemFailures: [] });
    expect(await stack.store.get(eventTaskId(b.eventId, b.createdAt, ROLLUP_SUBSCRIPTION))).toMatchObject({ status: 'queued' });
    const drained = [...(await receive('rollup', 2)), ...(await receive('rollup', 1))];
    for (const m of drained) await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: stack.queues.rollup!.url, ReceiptHandle: m.ReceiptHandle }));
  });

  it('refuses an event that is not a stream batch', async () => {
    await expect(dispatcher({ hello: 'world' }, lambdaContext())).rejects.toThrow(/DynamoDB Streams/);
  });

  it('fans out from DynamoDB Local\'s own stream of the events table: what GetRecords returns, the dispatcher queues', async () => {
    const { dynamodbEndpoint, region, credentials } = awsEndpoints();
    const streams = new DynamoDBStreamsClient({ endpoint: dynamodbEndpoint, region, credentials });
    try {
      const event = await published('orders.loaded', 's3://landing/from-the-stream.csv');
      const { Streams = [] } = await streams.send(new ListStreamsCommand({ TableName: stack.eventsTableName! }));
      expect(Streams).toHaveLength(1);
      const streamArn = Streams[0]!.StreamArn!;
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      expect(StreamDescription?.StreamViewType).toBe('NEW_IMAGE');
      // Every shard from its start (earlier tests' inserts included): find this event's INSERT.
      const records: Array<Record<string, unknown>> = [];
      for (const shard of StreamDescription?.Shards ?? []) {
        let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
        for (let page = 0; iterator && page < 50; page++) {
          const got = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          records.push(...((got.Records ?? []) as unknown as Array<Record<string, unknown>>));
          if ((got.Records ?? []).length === 0) break;
          iterator = got.NextShardIterator;
        }
      }
      const mine = records.filter((r) => (r.dynamodb as { Keys?: Record<string, { S?: string }> }).Keys?.[EVENT_ITEM.eventId]?.S === event.eventId);
      expect(mine.map((r) => r.eventName)).toEqual(['INSERT']);
      // Lambda hands the records on as they come, adding the stream's ARN.
      const lambdaRecords = mine.map((r) => ({ ...JSON.parse(JSON.stringify(r)), eventSourceARN: streamArn }));
      expect(await dispatch(lambdaRecords)).toEqual({ batchItemFailures: [] });
      const taskId = eventTaskId(event.eventId, event.createdAt, ROLLUP_SUBSCRIPTION);
      expect(await stack.store.get(taskId)).toMatchObject({ process: 'rollup', status: 'queued', trigger: { type: 'event', eventId: event.eventId } });
      const messages = await receive('rollup', 2);
      expect(messages.map((m) => JSON.parse(m.Body!).taskId)).toEqual([taskId]);
      expect((await deliver('rollup', messages)).batchItemFailures).toEqual([]);
      // The platform API reads the lineage the stored events form.
      const lineage = (await platform(httpApiEvent({ method: 'GET', path: '/sluice/lineage', route: '/sluice/lineage', query: { node: ORDERS, direction: 'upstream', depth: '1' } }, 'platform'), lambdaContext())) as { statusCode: number; body: string };
      expect(lineage.statusCode).toBe(200);
      expect(JSON.parse(lineage.body).edges).toEqual(expect.arrayContaining([expect.objectContaining({ source: 's3://landing/from-the-stream.csv', target: ORDERS, eventId: event.eventId })]));
    } finally {
      streams.destroy();
    }
  });
});
