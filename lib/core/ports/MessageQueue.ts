/** One message to send (SQS `SendMessage`). */
export interface OutgoingMessage {
  body: string;
  /** String message attributes. */
  attributes?: Record<string, string>;
  /** 0..900 */
  delaySeconds?: number;
}

export interface ReceivedMessage {
  messageId: string;
  /** Opaque; valid for {@link MessageQueue.delete} / changeVisibility until the message is received again. */
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  /** Receives so far, this one included (SQS `ApproximateReceiveCount`). */
  receiveCount: number;
  /** ISO-8601 UTC (SQS `SentTimestamp`). */
  sentAt: string;
}

export interface ReceiveOptions {
  /** 1..10 */
  maxMessages: number;
  /** Overrides the queue's visibility timeout for these messages. */
  visibilityTimeoutSeconds?: number;
  /** Long poll: wait up to this long (0..20) for a message. Default 0. */
  waitTimeSeconds?: number;
}

export interface QueueStats {
  /** Messages ready to be received. */
  visible: number;
  /** Received and not yet deleted nor returned. */
  inFlight: number;
  /** Sent with a delay that has not elapsed yet. */
  delayed: number;
}

/**
 * An SQS standard queue, addressed by queue name. Implemented by the embedded
 * runtime (`SqliteMessageQueue`) and by the AWS runtime (`SqsMessageQueue`);
 * one contract suite (`test/contracts/messageQueueContract.ts`) runs against
 * both, so what one accepts and how it redelivers, the other does too.
 *
 * Semantics (Amazon SQS Developer Guide: visibility timeout, dead-letter
 * queues, message quotas): at-least-once delivery; a received message is
 * invisible for the visibility timeout, then visible again unless deleted;
 * every receive counts (`receiveCount`); once a message has been received
 * `maxReceiveCount` times, the next receive moves it, intact, to the queue's
 * dead-letter queue instead. Order is not guaranteed.
 *
 * @throws {UnknownQueueError} from every method, for a queue not declared
 */
export interface MessageQueue {
  /**
   * Enqueues one message, checked by the shared SQS rules
   * (`lib/core/queue/sqsRules.ts`) before anything is written.
   *
   * @returns the queue's message id
   * @throws {ValidationError} a character, attribute or delay SQS refuses (names the part)
   * @throws {PayloadTooLargeError} body + attributes over 1 MiB (UTF-8 bytes)
   */
  send(queue: string, message: OutgoingMessage): Promise<{ messageId: string }>;

  /**
   * Receives up to `maxMessages` visible messages (fewer, or none, is normal),
   * making them invisible for the visibility timeout (seconds). With
   * `waitTimeSeconds` > 0 it long-polls: resolves as soon as a message is
   * visible, or empty after that many seconds.
   */
  receive(queue: string, options: ReceiveOptions): Promise<ReceivedMessage[]>;

  /** Deletes a received message for good, by the receipt handle of its latest receive. */
  delete(queue: string, receiptHandle: string): Promise<void>;

  /**
   * Sets how long (seconds, 0..43200 from now) a received message stays
   * invisible; 0 makes it visible at once (SQS `ChangeMessageVisibility`).
   */
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void>;

  /** Approximate counts (SQS `ApproximateNumberOfMessages*`); exact on the embedded runtime. */
  stats(queue: string): Promise<QueueStats>;
}

/** How a queue is declared (from `serverless.yml` resources). */
export interface QueueSpec {
  name: string;
  /** Default 30 (SQS default). */
  visibilityTimeoutSeconds: number;
  /** Default 345600 (4 days, SQS default). */
  messageRetentionSeconds: number;
  /** Redrive: after `maxReceiveCount` receives the next receive moves the message here instead. */
  deadLetter?: { queue: string; maxReceiveCount: number };
}
