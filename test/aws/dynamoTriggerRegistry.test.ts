import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TriggerChange, TriggerRecord } from '../../lib/core/triggers/TriggerRecord.js';
import { DynamoTriggerRegistry } from '../../lib/aws/DynamoTriggerRegistry.js';
import { describeTriggerRegistryContract } from '../contracts/triggerRegistryContract.js';
import { createTriggerTable, deleteTable } from '../setup/awsResources.js';
import { createDynamoClient, uniqueName } from './awsTestEnv.js';

// One table for the suite (records are isolated by their ids), deleted after it.
const client = createDynamoClient();
const tableName = uniqueName('triggers');
beforeAll(async () => {
  await createTriggerTable(client, tableName);
});
afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
});

describeTriggerRegistryContract('DynamoTriggerRegistry on DynamoDB Local', () => new DynamoTriggerRegistry({ client, tableName }));

describe('DynamoTriggerRegistry generation (the router reads it per request)', () => {
  const record = (triggerId: string, version: number): TriggerRecord => ({
    triggerId,
    process: 'p',
    source: 'runtime',
    spec: { kind: 'http', method: 'GET', path: `/g/${triggerId}`, mode: 'sync' },
    paused: false,
    createdAt: '2026-11-29T12:00:00.000Z',
    updatedAt: '2026-11-29T12:00:00.000Z',
    version,
  });
  const change = (r: TriggerRecord): TriggerChange => ({ triggerId: r.triggerId, at: r.updatedAt!, actor: 'test', action: 'create', after: r });

  it('moves with every write, refused ones excepted, and concurrent writes of different triggers all succeed', async () => {
    const table = uniqueName('triggers-generation');
    await createTriggerTable(client, table);
    try {
      const registry = new DynamoTriggerRegistry({ client, tableName: table });
      expect(await registry.generation()).toBe(0);
      const first = record('trg_gen_a', 1);
      expect(await registry.put(first, change(first), 0)).toEqual({ written: true });
      expect(await registry.generation()).toBe(1);
      // Refused (the record exists): nothing changed, the generation stays.
      expect((await registry.put(first, change(first), 0)).written).toBe(false);
      expect(await registry.generation()).toBe(1);
      // Ten creates at once meet on the generation item; each is retried, none is refused.
      const many = Array.from({ length: 10 }, (_, i) => record(`trg_gen_${i}`, 1));
      const results = await Promise.all(many.map((r) => registry.put(r, change(r), 0)));
      expect(results.every((r) => r.written)).toBe(true);
      expect(await registry.generation()).toBe(11);
      // The generation item is not a trigger.
      expect((await registry.list()).map((r) => r.triggerId).sort()).toEqual(['trg_gen_a', ...many.map((r) => r.triggerId)].sort());
    } finally {
      await deleteTable(client, table);
    }
  });
});
