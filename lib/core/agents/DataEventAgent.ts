import { ConfigError, ValidationError } from '../errors.js';

const SEARCH_KEYS = new Set(['label', 'source', 'target', 'process', 'taskId', 'since', 'until', 'limit', 'cursor']);
import { decodeCursor, encodeCursor } from '../pageCursor.js';
import { PAGE_LIMIT } from '../pageLimit.js';
import * as z from 'zod';
import type { EventStore } from '../ports/EventStore.js';
import type { TaskLogger } from '../process/types.js';
import { isoTime } from '../time/isoTime.js';
import { newTaskId, nextIdAfter } from '../task/taskIds.js';
import type { DataEvent, DataEventInput, EventPage, EventQuery } from '../events/DataEvent.js';
import { checkDataEvent, checkEventQuery, DATA_EVENT_LIMITS, DataEventRefusedError } from '../events/dataEventRules.js';

/**
 * `ctx.events`: LOC's event store. `emit` records data events; they are
 * **published with the task's outcome**, not before: when the attempt ends
 * and will not be retried (succeeded, or failed / timed out for good),
 * atomically with the final task record. A retried attempt publishes
 * nothing, so a retry never duplicates events; events emitted in a
 * `handleError` are published with the failed task.
 */
export interface DataEventAgent {
  /**
   * Records events of this task (at most 99 per attempt; see `DATA_EVENT_LIMITS`).
   * All or none of one call are kept.
   * @returns the events as they will be stored (ids, sequence, time)
   * @throws {DataEventRefusedError} an invalid event, or past the limit (not retriable)
   */
  emit(events: DataEventInput | readonly DataEventInput[]): Promise<DataEvent[]>;
  /**
   * Published events matching every filter, newest first (`limit` 1..100, default 20).
   * Searching by this task's own id reads what it emitted so far (not yet published).
   */
  search(query?: Partial<EventQuery>): Promise<EventPage>;
}

/** What one attempt emitted, shared by its logics' `ctx.events`. */
export class EmittedEvents {
  readonly #pending: DataEvent[] = [];
  #warned = false;

  constructor(
    private readonly task: { taskId: string; process: string; attempt: number; depth: number },
    private readonly options: { now: () => number; store?: EventStore; maxChainDepth: number; onEmit?(events: readonly DataEvent[]): void },
  ) {}

  /** The events emitted so far, in order. */
  get events(): readonly DataEvent[] {
    return this.#pending;
  }

  /** `ctx.events` of one logic: its events carry the logic's name, its calls log there. */
  agentFor(logic: string, log: TaskLogger): DataEventAgent {
    return {
      emit: async (events) => this.#emit(Array.isArray(events) ? events : [events as DataEventInput], logic, log),
      search: async (query = {}) => this.#search(query),
    };
  }

  #emit(inputs: readonly unknown[], logic: string, log: TaskLogger): DataEvent[] {
    const checked = inputs.map((input, index) => checkDataEvent(input, index));
    if (this.#pending.length + checked.length > DATA_EVENT_LIMITS.eventsPerTask) {
      throw new DataEventRefusedError(
        `a task emits at most ${DATA_EVENT_LIMITS.eventsPerTask} events (it has ${this.#pending.length}, this call adds ${checked.length}); emit one event per dataset, not per row`,
      );
    }
    const nowMs = this.options.now();
    const createdAt = isoTime(nowMs);
    const { taskId, process, attempt, depth } = this.task;
    const stamped = checked.map((input) => {
      // Same-millisecond events of a task must sort in emission order (stores order by createdAt, then eventId).
      const previous = this.#pending.at(-1)?.eventId;
      const fresh = newTaskId(nowMs);
      const eventId = previous !== undefined && fresh <= previous ? nextIdAfter(previous) : fresh;
      const event: DataEvent = { eventId, ...input, sequence: this.#pending.length, createdAt, taskId, process, logic, attempt, depth };
      this.#pending.push(event);
      return event;
    });
    this.options.onEmit?.(stamped);
    log.info(`events.emit: ${stamped.length} event(s): ${[...new Set(stamped.map((e) => e.label))].join(', ')}`);
    if (!this.#warned && depth >= this.options.maxChainDepth && stamped.length > 0) {
      this.#warned = true;
      log.warn(`this task is at chain depth ${depth}, the limit (custom.sluice.events.maxChainDepth = ${this.options.maxChainDepth}): its events are stored but trigger no process`);
    }
    return stamped.map((event) => structuredClone(event));
  }

  async #search(query: Partial<EventQuery>): Promise<EventPage> {
    if (query === null || typeof query !== 'object') throw new ValidationError('ctx.events.search takes { label, source, target, process, taskId, since, until, limit, cursor }', [{ path: 'query', message: 'expected an object' }]);
    for (const [key, value] of Object.entries(query)) {
      // A misspelt filter would silently match everything.
      if (!SEARCH_KEYS.has(key)) throw new ValidationError(`ctx.events.search: unknown filter '${key}' (filters: ${[...SEARCH_KEYS].join(', ')})`, [{ path: key, message: 'unknown filter' }]);
      if (value !== undefined && (key === 'limit' ? typeof value !== 'number' : typeof value !== 'string')) {
        throw new ValidationError(`ctx.events.search: ${key} must be a ${key === 'limit' ? 'number' : 'string'}`, [{ path: key, message: 'wrong type' }]);
      }
    }
    const full = checkEventQuery({ ...query, limit: query.limit ?? PAGE_LIMIT.default });
    if (full.taskId === this.task.taskId) return this.#searchPending(full);
    const { store } = this.options;
    if (!store) throw new ConfigError('no event store is configured for this runtime (ctx.events.search)');
    return store.search(full);
  }

  /** A task's own events are not published before it ends: read them here. */
  #searchPending(query: EventQuery): EventPage {
    const offset = query.cursor === undefined ? 0 : decodeCursor(query.cursor, z.tuple([z.literal('own'), z.number().int().nonnegative()]))[1];
    const matching = [...this.#pending]
      .reverse()
      .filter(
        (e) =>
          (query.label === undefined || e.label === query.label) &&
          (query.source === undefined || e.source === query.source) &&
          (query.target === undefined || e.target === query.target) &&
          (query.process === undefined || e.process === query.process) &&
          (query.since === undefined || e.createdAt >= query.since) &&
          (query.until === undefined || e.createdAt < query.until),
      );
    const items = matching.slice(offset, offset + query.limit).map((event) => structuredClone(event));
    return offset + query.limit < matching.length ? { items, nextCursor: encodeCursor(['own', offset + query.limit]) } : { items };
  }
}
