import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lib/aws/DynamoEventStore.js';
import { DynamoTaskStore } from '../../lib/aws/DynamoTaskStore.js';
import { ConfigError } from '../../lib/core/errors.js';
import type { DataEvent } from '../../lib/core/events/DataEvent.js';
import { newTaskId } from '../../lib/core/task/taskIds.js';
import { isoTime } from '../../lib/core/time/isoTime.js';
import { describeEventStoreContract } from '../contracts/eventStoreContract.js';
import { makeRecord } from '../contracts/taskStoreContract.js';
import { createEventTable, createTaskTable, deleteTable } from '../setup/awsResources.js';
import { createDynamoClient, uniqueName } from './awsTestEnv.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

describeEventStoreContract('DynamoTaskStore + DynamoEventStore on DynamoDB Local', async ({ clock }) => {
  const client = createDynamoClient();
  const tableName = uniqueName('tasks');
  const eventsTableName = uniqueName('events');
  await Promise.all([createTaskTable(client, tableName), createEventTable(client, eventsTableName)]);
  return {
    store: new DynamoTaskStore({ client, tableName, eventsTableName, processes: ['loader'], clock }),
    // A page budget of 1 query: the sparse searches of the contract come back in short pages, and must still page without gaps.
    events: new DynamoEventStore({ client, tableName: eventsTableName, clock, maxQueryPagesPerSearch: 1 }),
    async cleanup() {
      await Promise.all([deleteTable(client, tableName), deleteTable(client, eventsTableName)]);
      client.destroy();
    },
  };
});

function anEvent(taskId: string, overrides: Partial<DataEvent> = {}): DataEvent {
  const now = Date.now();
  return { eventId: newTaskId(now), label: 'a.b', source: 's', target: 't', sequence: 0, createdAt: isoTime(now), taskId, process: 'p', logic: 'l', attempt: 1, depth: 0, ...overrides };
}

describe('DynamoTaskStore publishing events', () => {
  let client: DynamoDBClient;
  let tableName: string;
  let eventsTableName: string;
  beforeAll(async () => {
    client = createDynamoClient();
    tableName = uniqueName('tasks-pub');
    eventsTableName = uniqueName('events-pub');
    await Promise.all([createTaskTable(client, tableName), createEventTable(client, eventsTableName)]);
  });
  afterAll(async () => {
    await Promise.all([deleteTable(client, tableName), deleteTable(client, eventsTableName)]);
    client.destroy();
  });

  it('refuses to save events without an events table, and writes nothing', async () => {
    const store = new DynamoTaskStore({ client, tableName, processes: ['p'] });
    const record = makeRecord({ status: 'succeeded', attempts: 1 });
    await expect(store.save(record, [anEvent(record.taskId)])).rejects.toBeInstanceOf(ConfigError);
    expect(await store.get(record.taskId)).toBeUndefined();
    // Without events it is the plain save.
    expect(await store.save(record)).toEqual({ saved: true });
  });

  it('writes nothing when the transaction fails: an event too large for an item leaves no record', async () => {
    const store = new DynamoTaskStore({ client, tableName, eventsTableName, processes: ['p'] });
    const events = new DynamoEventStore({ client, tableName: eventsTableName });
    const record = makeRecord({ status: 'succeeded', attempts: 1 });
    const ok = anEvent(record.taskId);
    // Past what the core allows (32 KiB of meta): only to make DynamoDB refuse one item of the transaction.
    const huge = anEvent(record.taskId, { sequence: 1, meta: { blob: 'x'.repeat(420 * 1024) } });
    await expect(store.save(record, [ok, huge])).rejects.toThrow();
    expect(await store.get(record.taskId)).toBeUndefined();
    expect(await events.get(ok.eventId)).toBeUndefined();
  });

  it('refuses more than 99 events before writing', async () => {
    const store = new DynamoTaskStore({ client, tableName, eventsTableName, processes: ['p'] });
    const record = makeRecord({ status: 'succeeded', attempts: 1 });
    await expect(store.save(record, Array.from({ length: 100 }, (_, i) => anEvent(record.taskId, { sequence: i })))).rejects.toThrow(/at most 99/);
    expect(await store.get(record.taskId)).toBeUndefined();
  });
});
