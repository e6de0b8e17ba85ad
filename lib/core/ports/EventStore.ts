import type { DataEvent, EventPage, EventQuery } from '../events/DataEvent.js';

/** Which way a lineage walk goes from a node: towards what fed it, or what it fed. */
export type LineageDirection = 'upstream' | 'downstream';

/**
 * Where published data events are read (`ctx.events.search`,
 * `/sluice/events`, `/sluice/lineage`). Events are written only with their
 * task's final record (`TaskStore.save(record, events)`), never through this
 * port. Implemented on SQLite (embedded) and DynamoDB (AWS); one contract
 * suite (`test/contracts/eventStoreContract.ts`) runs against both.
 *
 * Events expire with their task's record (its `expiresAt`).
 */
export interface EventStore {
  /**
   * Events matching every filter, newest first (`createdAt`, then `eventId`).
   * @throws {ValidationError} on a limit outside 1..100, a malformed cursor or time
   */
  search(query: EventQuery): Promise<EventPage>;

  /** One event; `undefined` when absent or expired. */
  get(eventId: string): Promise<DataEvent | undefined>;

  /**
   * The events that touch `node` on one side: `upstream`, those whose
   * `target` is `node` (what fed it); `downstream`, those whose `source` is
   * `node`. Newest first, at most `limit` (1..1000): the lineage walk's step.
   */
  edges(node: string, direction: LineageDirection, limit: number): Promise<DataEvent[]>;
}
