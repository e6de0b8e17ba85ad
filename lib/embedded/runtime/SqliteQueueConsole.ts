import { UnknownQueueError, ValidationError } from '../../core/errors.js';
import type { OutgoingMessage, QueueSpec } from '../../core/ports/MessageQueue.js';
import type { PeekedMessage, QueueConsole, QueueInfo } from '../../platform/QueueConsole.js';
import type { SqliteMessageQueue } from '../sqlite/SqliteMessageQueue.js';

/** The platform API's queue routes on the embedded queue. */
export class SqliteQueueConsole implements QueueConsole {
  readonly #specs: Map<string, QueueSpec>;

  constructor(
    private readonly queues: SqliteMessageQueue,
    specs: readonly QueueSpec[],
  ) {
    this.#specs = new Map(specs.map((s) => [s.name, s]));
  }

  async list(): Promise<QueueInfo[]> {
    const specs = [...this.#specs.values()];
    return Promise.all(
      specs.map(async (spec) => ({
        name: spec.name,
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
        ...(spec.deadLetter ? { deadLetter: spec.deadLetter } : {}),
        deadLetterFor: specs.filter((s) => s.deadLetter?.queue === spec.name).map((s) => s.name),
        ...(await this.queues.stats(spec.name)),
      })),
    );
  }

  send(queue: string, message: OutgoingMessage): Promise<{ messageId: string }> {
    this.#spec(queue);
    return this.queues.send(queue, message);
  }

  async peek(queue: string, options: { limit: number; cursor?: string }): Promise<{ items: PeekedMessage[]; nextCursor?: string }> {
    this.#spec(queue);
    return this.queues.peek(queue, options);
  }

  async redrive(deadLetterQueue: string): Promise<{ moved: number; to: string }> {
    this.#spec(deadLetterQueue);
    const sources = [...this.#specs.values()].filter((s) => s.deadLetter?.queue === deadLetterQueue).map((s) => s.name);
    if (sources.length === 0) {
      throw new ValidationError(`'${deadLetterQueue}' is not the dead-letter queue of any queue`, [{ path: 'queue', message: 'not a dead-letter queue' }]);
    }
    // Each message goes back to the queue it died in.
    const moved = this.queues.redrive(deadLetterQueue);
    return { moved, to: sources.join(', ') };
  }

  #spec(queue: string): QueueSpec {
    const spec = this.#specs.get(queue);
    if (!spec) throw new UnknownQueueError(queue);
    return spec;
  }
}
