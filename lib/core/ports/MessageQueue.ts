/**
 * An SQS-shaped message queue. The embedded runtime implements it on SQLite
 * with SQS semantics (visibility timeout, receive counts, redrive to a
 * dead-letter queue after `maxReceiveCount`); the AWS runtime on SQS itself.
 * Queues are addressed by their logical name (the `QueueName`).
 */
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

export interface MessageQueue {
  send(queue: string, message: OutgoingMessage): Promise<{ messageId: string }>;
  receive(queue: string, options: ReceiveOptions): Promise<ReceivedMessage[]>;
  delete(queue: string, receiptHandle: string): Promise<void>;
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void>;
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
