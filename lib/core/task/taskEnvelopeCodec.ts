import { MAX_JSON_DEPTH, readMaybeJson } from '../boundedJson.js';
import * as z from 'zod';
import type { OutgoingMessage } from '../ports/MessageQueue.js';
import { TASK_ID_ATTRIBUTE, type TaskEnvelope } from '../ports/TaskDispatcher.js';
import { PayloadTooLargeError } from '../errors.js';
import { escapeJsonForSqs, SQS_MAX_MESSAGE_BYTES, sqsMessageBytes } from '../queue/sqsRules.js';
import type { Payload } from './Payload.js';
import { payloadHash } from './taskIds.js';

/*
 * The one encoder and decoder of task envelopes (the body of a task-queue
 * message that carries an async submission or a schedule firing), used by
 * both dispatchers and both queue consumers.
 */

/**
 * The message that carries `envelope`: its JSON with every character SQS
 * refuses escaped (so any JSON payload travels, U+FFFF and U+0000 included),
 * marked with the {@link TASK_ID_ATTRIBUTE} attribute.
 *
 * @throws {PayloadTooLargeError} when the envelope is over SQS's message size
 *   (a dispatcher calls this BEFORE writing anything, so a refused task
 *   leaves no record)
 */
export function taskMessageOf(envelope: TaskEnvelope): OutgoingMessage {
  const message: OutgoingMessage = { body: escapeJsonForSqs(JSON.stringify(envelope)), attributes: { [TASK_ID_ATTRIBUTE]: envelope.taskId } };
  // Only the size can be wrong here: the escaping leaves no character SQS refuses, and the one
  // attribute is ours. The queue adapter checks the whole message again when it sends it.
  const size = sqsMessageBytes(message);
  if (size > SQS_MAX_MESSAGE_BYTES) throw new PayloadTooLargeError(size, SQS_MAX_MESSAGE_BYTES);
  return message;
}

/**
 * The hash a dispatched task's record keeps (`payloadHash`) of what its
 * envelope carries, so that a queue message is accepted as the envelope of
 * that task only if it carries that very payload (see `TaskRunner.deliver`).
 * For an API task it is the hash of the submitted payload (which also
 * detects idempotency-key reuse); for a schedule, of the whole schedule
 * payload (rule, time and input).
 */
export function dispatchedPayloadHash(payload: Payload): string {
  return payloadHash(payload.type === 'api' ? payload.body : payload);
}

const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('http'), method: z.string(), path: z.string(), route: z.string() }),
  z.object({ type: z.literal('api') }),
  z.object({ type: z.literal('queue'), queue: z.string(), messageId: z.string() }),
  z.object({ type: z.literal('schedule'), rule: z.string(), scheduledTime: z.string(), catchUp: z.literal(true).optional() }),
  z.object({ type: z.literal('event'), eventId: z.string(), label: z.string(), subscription: z.string(), depth: z.number().int().positive() }),
]);

const dataEventSchema = z.object({
  eventId: z.string(),
  label: z.string(),
  source: z.string(),
  target: z.string(),
  meta: z.unknown().optional(),
  type: z.string().optional(),
  sequence: z.number().int().nonnegative(),
  createdAt: z.string(),
  taskId: z.string(),
  process: z.string(),
  logic: z.string(),
  attempt: z.number().int().positive(),
  depth: z.number().int().nonnegative(),
});

const envelopeSchema = z.object({
  taskId: z.string().min(1).max(64),
  process: z.string(),
  trigger: triggerSchema,
  createdAt: z.string(),
  payload: z.discriminatedUnion('type', [
    z.object({ type: z.literal('api'), body: z.unknown().optional() }),
    z.object({ type: z.literal('schedule'), rule: z.string(), scheduledTime: z.string(), input: z.unknown().optional() }),
    z.object({ type: z.literal('event'), subscription: z.string(), event: dataEventSchema }),
    z.object({
      type: z.literal('http'),
      method: z.string(),
      path: z.string(),
      route: z.string(),
      pathParameters: z.record(z.string(), z.string()),
      query: z.record(z.string(), z.string()),
      headers: z.record(z.string(), z.string()),
      body: z.unknown().optional(),
      auth: z.unknown().optional(),
    }),
  ]),
  maxAttempts: z.number().int().positive().optional(),
});

/** A well-formed envelope read from a message body, or undefined (not JSON, or not an envelope). */
export function parseTaskEnvelope(body: string): (TaskEnvelope & { payload: Payload }) | undefined {
  // The envelope's own levels (envelope, payload) come on top of the payload's nesting limit.
  const read = readMaybeJson(body, MAX_JSON_DEPTH + 2);
  if (read.kind !== 'json') return undefined;
  const parsed = envelopeSchema.safeParse(read.value);
  return parsed.success ? (parsed.data as TaskEnvelope & { payload: Payload }) : undefined;
}
