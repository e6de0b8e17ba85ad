import * as z from 'zod';
import { decodeCursor, encodeCursor } from '../core/pageCursor.js';
import type { Clock } from '../core/ports/Clock.js';
import type { EventStore, LineageDirection } from '../core/ports/EventStore.js';
import { systemClock } from '../core/time/systemClock.js';
import type { DataEvent, EventPage, EventQuery } from '../core/events/DataEvent.js';
import { checkEventQuery } from '../core/events/dataEventRules.js';
import { ValidationError } from '../core/errors.js';

const cursorSchema = z.tuple([z.string(), z.string()]);

/**
 * An {@link EventStore} in memory, for unit tests; what `MemoryTaskStore`
 * publishes to. Passes the same contract suite as the SQLite and DynamoDB stores.
 */
export class MemoryEventStore implements EventStore {
  readonly #events: Array<{ json: string; event: DataEvent; expiresAt: number }> = [];

  constructor(private readonly clock: Clock = systemClock) {}

  /** Stores published events (only `TaskStore.save` calls this), expiring at `expiresAt` (epoch seconds). */
  publish(events: readonly DataEvent[], expiresAt: number): void {
    for (const event of events) this.#events.push({ json: JSON.stringify(event), event, expiresAt });
  }

  async search(query: EventQuery): Promise<EventPage> {
    const q = checkEventQuery(query);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, cursorSchema);
    const matching = this.#alive()
      .filter(
        (e) =>
          (q.label === undefined || e.label === q.label) &&
          (q.source === undefined || e.source === q.source) &&
          (q.target === undefined || e.target === q.target) &&
          (q.process === undefined || e.process === q.process) &&
          (q.taskId === undefined || e.taskId === q.taskId) &&
          (q.since === undefined || e.createdAt >= q.since) &&
          (q.until === undefined || e.createdAt < q.until),
      )
      .filter((e) => !after || e.createdAt < after[0] || (e.createdAt === after[0] && e.eventId < after[1]));
    const items = matching.slice(0, q.limit);
    const last = items[items.length - 1];
    return matching.length > q.limit && last ? { items, nextCursor: encodeCursor([last.createdAt, last.eventId]) } : { items };
  }

  async get(eventId: string): Promise<DataEvent | undefined> {
    return this.#alive().find((e) => e.eventId === eventId);
  }

  async edges(node: string, direction: LineageDirection, limit: number): Promise<DataEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('edges: limit must be an integer from 1 to 1000', [{ path: 'limit', message: '1..1000' }]);
    return this.#alive()
      .filter((e) => (direction === 'upstream' ? e.target : e.source) === node)
      .slice(0, limit);
  }

  /** Unexpired events, newest first, as fresh copies. */
  #alive(): DataEvent[] {
    const nowSec = Math.floor(this.clock.now() / 1000);
    return this.#events
      .filter((e) => e.expiresAt > nowSec)
      .map((e) => JSON.parse(e.json) as DataEvent)
      .sort((a, b) => (a.createdAt === b.createdAt ? cmp(b.eventId, a.eventId) : cmp(b.createdAt, a.createdAt)));
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
