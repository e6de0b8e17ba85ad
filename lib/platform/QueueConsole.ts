import type { OutgoingMessage, QueueStats } from '../core/ports/MessageQueue.js';

/** A queue as `GET /sluice/queues` lists it. */
export interface QueueInfo extends QueueStats {
  name: string;
  visibilityTimeoutSeconds: number;
  deadLetter?: { queue: string; maxReceiveCount: number };
  /** Queues whose dead letters land here. */
  deadLetterFor: string[];
}

/** A message looked at without receiving it. */
export interface PeekedMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  /** Receives so far in this queue. */
  receiveCount: number;
  /** ISO-8601 UTC. */
  sentAt: string;
  /** The task the message carries or starts (its envelope's task, or the task a raw message becomes). */
  taskId?: string;
}

/**
 * The embedded runtime's queue console: feed a declared queue, look at
 * messages (dead letters above all) without receiving them, move dead
 * letters back to their source queue, purge a queue.
 */
export interface QueueConsole {
  list(): Promise<QueueInfo[]>;
  send(queue: string, message: OutgoingMessage): Promise<{ messageId: string }>;
  peek(queue: string, options: { limit: number; cursor?: string }): Promise<{ items: PeekedMessage[]; nextCursor?: string }>;
  /** Moves every message of a dead-letter queue back to its source queue. */
  redrive(deadLetterQueue: string): Promise<{ moved: number; to: string }>;
  /** One message by id, without receiving it; `undefined` when absent. */
  message(queue: string, messageId: string): Promise<PeekedMessage | undefined>;
  /**
   * Deletes every message of the queue, as SQS `PurgeQueue` does (visible,
   * in flight and delayed alike); task records are left as they are.
   * `purged`: the messages deleted (not counting those already past the
   * queue's retention, which nobody could see any more).
   *
   * @throws {UnknownQueueError} (404) for a queue that is not declared
   */
  purge(queue: string): Promise<{ purged: number }>;
  /** Deletes one message by id unless a consumer holds it now; whether it was deleted. */
  deleteMessage(queue: string, messageId: string): Promise<boolean>;
}
