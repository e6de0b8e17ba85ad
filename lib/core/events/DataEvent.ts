/**
 * Data events: LOC's event store (`ctx.agents.eventStore.emit`), the record
 * of which data moved from where to where. Stored events form the lineage
 * graph (source → target) and trigger subscribed processes.
 *
 * `source` and `target` are **data identities**: a URI naming a dataset the
 * way OpenLineage names datasets (namespace + name), e.g.
 * `postgres://warehouse:5432/analytics.public.orders`,
 * `s3://landing/flights/2026-11-29.csv`, `https://api.example.com/customers`.
 * Sluice does not parse them for the graph (equal strings are the same node);
 * the OpenLineage export splits them into namespace and name.
 */

/** What a logic passes to `ctx.events.emit`. */
export interface DataEventInput {
  /** What happened, dot-separated by convention (`flights.loaded`): what subscriptions match. 1–256 characters. */
  label: string;
  /** The data read (a data identity), 1–1024 characters. */
  source: string;
  /** The data written (a data identity), 1–1024 characters. */
  target: string;
  /** Anything JSON about the movement (row counts, a file's checksum): at most 32 KiB as JSON. */
  meta?: unknown;
  /** A free classification (LOC's event `type`), 1–64 characters. */
  type?: string;
}

/** A data event as stored: the emitted fields plus who emitted it, when, and in what order. */
export interface DataEvent {
  eventId: string;
  label: string;
  source: string;
  target: string;
  meta?: unknown;
  type?: string;
  /** 0-based order of the event within its task's attempt. */
  sequence: number;
  /** ISO-8601 UTC with milliseconds: when `emit` was called. */
  createdAt: string;
  taskId: string;
  process: string;
  /** The logic that emitted it. */
  logic: string;
  /** The attempt that emitted (and published) it: events of a retried attempt are never published. */
  attempt: number;
  /**
   * The emitting task's chain depth: 0 for a task not triggered by an event,
   * otherwise one more than its triggering event's task. A subscriber of this
   * event runs at `depth + 1`, only while that stays within the chain limit.
   */
  depth: number;
}

/** A search of stored events (`ctx.events.search`, `GET /sluice/events`): every given filter must match. */
export interface EventQuery {
  label?: string;
  source?: string;
  target?: string;
  process?: string;
  taskId?: string;
  /** ISO-8601: events created at or after. */
  since?: string;
  /** ISO-8601: events created before. */
  until?: string;
  /** 1..100 */
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

/** Newest first (by `createdAt`, then `eventId`). */
export interface EventPage {
  items: DataEvent[];
  nextCursor?: string;
}
