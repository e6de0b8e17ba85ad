import { UnknownQueueError, ValidationError } from '../../core/errors.js';
import type { OutgoingMessage, QueueSpec } from '../../core/ports/MessageQueue.js';
import type { PeekedMessage, QueueConsole, QueueInfo } from '../../platform/QueueConsole.js';
import type { SqliteMessageQueue } from '../sqlite/SqliteMessageQueue.js';
import type { PeekedMessage as QueuePeekedMessage } from '../sqlite/queueMessages.js';
import { TASK_ID_ATTRIBUTE } from '../../core/ports/TaskDispatcher.js';
import { isTaskId, queueMessageTaskId } from '../../core/task/taskIds.js';

/**
 * The task a message belongs to, by the rule of `decodeDelivery`: an
 * envelope names it (`sluice-task-id`); a raw message is the task derived
 * from the queue it was delivered from (a dead letter's origin) and its id.
 */
function withTaskId(queue: string, message: QueuePeekedMessage): QueuePeekedMessage {
  const marked = message.attributes[TASK_ID_ATTRIBUTE];
  const taskId = marked !== undefined ? (isTaskId(marked) ? marked : undefined) : queueMessageTaskId(message.originQueue ?? queue, message.messageId, Date.parse(message.sentAt));
  return taskId === undefined ? message : { ...message, taskId };
}

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
    const page = this.queues.peek(queue, options);
    return { ...page, items: page.items.map((item) => withTaskId(queue, item)) };
  }

  async message(queue: string, messageId: string): Promise<PeekedMessage | undefined> {
    this.#spec(queue);
    const found = this.queues.peekMessage(queue, messageId);
    return found && withTaskId(queue, found);
  }

  deleteMessage(queue: string, messageId: string): Promise<boolean> {
    this.#spec(queue);
    return this.queues.deleteMessage(queue, messageId);
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

  async purge(queue: string): Promise<{ purged: number }> {
    this.#spec(queue);
    // Retention's own sweep first: messages past it are already gone for everyone, and are not counted.
    this.queues.purgeExpired();
    return { purged: this.queues.purge(queue) };
  }

  #spec(queue: string): QueueSpec {
    const spec = this.#specs.get(queue);
    if (!spec) throw new UnknownQueueError(queue);
    return spec;
  }
}
