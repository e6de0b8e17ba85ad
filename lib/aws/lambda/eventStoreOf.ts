import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../core/ports/Clock.js';
import type { EventStore } from '../../core/ports/EventStore.js';
import { DynamoEventStore } from '../DynamoEventStore.js';

/**
 * The DynamoDB event store of `config` (`ctx.events.search`) with the chain
 * depth limit, if the function has an events table.
 */
export function eventStoreOf(
  config: Readonly<{ events?: { table: string; maxChainDepth: number } }>,
  dynamo: DynamoDBClient,
  clock: Clock,
): { store: EventStore; maxChainDepth: number } | undefined {
  const { events } = config;
  if (!events) return undefined;
  return { store: new DynamoEventStore({ client: dynamo, tableName: events.table, clock }), maxChainDepth: events.maxChainDepth };
}
