import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';
import {
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_RETENTION_SECONDS,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  SQS_MIN_RETENTION_SECONDS,
  SQS_QUEUE_NAME,
} from '../../core/queue/sqsRules.js';
import type { PeekedMessage as ConsolePeekedMessage } from '../../platform/QueueConsole.js';

/*
 * The embedded queue's own types and input checks (see SqliteMessageQueue).
 */

/** Where a message is in its life (see {@link SqliteMessageQueue.peek}). */
export type MessageState = 'visible' | 'inFlight' | 'delayed';

/** A message as {@link SqliteMessageQueue.peek} shows it, without receiving it. */
export interface PeekedMessage extends ConsolePeekedMessage {
  state: MessageState;
  /** When an in-flight or delayed message becomes visible (ISO-8601 UTC). */
  visibleAt: string;
  /** In a dead-letter queue: the queue the message died in. */
  originQueue?: string;
}

export interface PeekPage {
  items: PeekedMessage[];
  nextCursor?: string;
}

/** A message that a receive moved to its queue's dead-letter queue. */
export interface DeadLetterEvent {
  queue: string;
  deadLetterQueue: string;
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  /** Receives it had in `queue`. */
  receiveCount: number;
}

/** What {@link SqliteMessageQueue.deadLetter} did: moved the message, deleted it (no dead-letter queue), or nothing (stale handle). */
export type DeadLetterOutcome = 'moved' | 'deleted' | 'stale';

export { SQS_MAX_VISIBILITY_TIMEOUT_SECONDS as MAX_VISIBILITY_SECONDS, SQS_MAX_WAIT_SECONDS as MAX_WAIT_SECONDS } from '../../core/queue/sqsRules.js';

/** A {@link QueueSpec} within SQS's limits. */
export const queueSpecSchema = z.object({
  name: z.string().regex(SQS_QUEUE_NAME, '1..80 letters, digits, - or _ (as SQS)'),
  visibilityTimeoutSeconds: z.int().min(0).max(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS),
  messageRetentionSeconds: z.int().min(SQS_MIN_RETENTION_SECONDS).max(SQS_MAX_RETENTION_SECONDS),
  deadLetter: z.object({ queue: z.string().min(1), maxReceiveCount: z.int().min(1).max(SQS_MAX_RECEIVE_COUNT) }).optional(),
});

export const peekCursor = z.int().min(0);

/** Attributes from their JSON column. */
export function parseAttributes(json: string | null): Record<string, string> {
  return json === null ? {} : (JSON.parse(json) as Record<string, string>);
}

/** The message's `seq`, from a handle `<seq>.<uuid>`. */
export function parseReceipt(receiptHandle: string): number {
  const dot = receiptHandle.indexOf('.');
  const seq = Number(receiptHandle.slice(0, dot));
  if (dot < 1 || !Number.isSafeInteger(seq) || seq < 1) {
    throw new ValidationError('malformed receipt handle', [{ path: 'receiptHandle', message: 'not a handle from a receive of this queue' }]);
  }
  return seq;
}

/** @throws {ValidationError} unless `value` is whole seconds from 0 to `max` */
export function checkSeconds(path: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ValidationError(`invalid ${path}`, [{ path, message: `must be whole seconds from 0 to ${max}` }]);
  }
}
