import { SluiceError, ValidationError } from '../../core/errors.js';
import type { DataEvent, EventPage, EventQuery } from '../../core/events/DataEvent.js';
import type { EventStore, LineageDirection } from '../../core/ports/EventStore.js';
import type { EventStoreCall, FromWorker, ToWorker } from './workerProtocol.js';

type Reply = Extract<ToWorker, { type: 'events-reply' }>;

/**
 * The {@link EventStore} process code sees in a worker thread: each read is
 * a request to the main thread, which owns the database (opened
 * exclusively), and is answered there (see `TaskWorker`). Errors come back
 * by name: a `ValidationError` (a bad limit, cursor or time) is one again here.
 */
export class WorkerEventStore implements EventStore {
  readonly #waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;

  constructor(private readonly post: (message: FromWorker) => void) {}

  search(query: EventQuery): Promise<EventPage> {
    return this.#call({ op: 'search', args: [query] }) as Promise<EventPage>;
  }

  get(eventId: string): Promise<DataEvent | undefined> {
    return this.#call({ op: 'get', args: [eventId] }) as Promise<DataEvent | undefined>;
  }

  edges(node: string, direction: LineageDirection, limit: number): Promise<DataEvent[]> {
    return this.#call({ op: 'edges', args: [node, direction, limit] }) as Promise<DataEvent[]>;
  }

  /** Settles the call a reply answers (replies to unknown ids are ignored). */
  settle(reply: Reply): void {
    const waiting = this.#waiting.get(reply.requestId);
    if (!waiting) return;
    this.#waiting.delete(reply.requestId);
    if (reply.ok) return waiting.resolve(reply.value);
    const { name, message, issues } = reply.error;
    const error = name === 'ValidationError' ? new ValidationError(message, issues ?? []) : new SluiceError(message);
    if (name !== 'ValidationError') error.name = name;
    waiting.reject(error);
  }

  #call(call: EventStoreCall): Promise<unknown> {
    const requestId = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(requestId, { resolve, reject });
      this.post({ type: 'events-request', requestId, ...call });
    });
  }
}
