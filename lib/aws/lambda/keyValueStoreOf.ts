import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KeyValueStore } from '../../core/agents/KeyValueStore.js';
import type { Clock } from '../../core/ports/Clock.js';
import { DynamoKeyValueStore } from '../DynamoKeyValueStore.js';

/** The DynamoDB key-value store of `config` (`ctx.kv`, `/sluice/kv`), if the function has one. */
export function keyValueStoreOf(config: Readonly<{ kv?: { table: string; maxTtlSeconds: number; defaultTtlSeconds?: number } }>, dynamo: DynamoDBClient, clock: Clock): KeyValueStore | undefined {
  const { kv } = config;
  if (!kv) return undefined;
  return new DynamoKeyValueStore({ client: dynamo, tableName: kv.table, clock, maxTtlSeconds: kv.maxTtlSeconds, ...(kv.defaultTtlSeconds !== undefined ? { defaultTtlSeconds: kv.defaultTtlSeconds } : {}) });
}

