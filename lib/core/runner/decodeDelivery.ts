import * as z from 'zod';
import { TASK_ID_ATTRIBUTE } from '../ports/TaskDispatcher.js';
import type { Payload } from '../task/Payload.js';
import { isTaskId, queueMessageTaskId } from '../task/taskIds.js';
import type { Delivery } from './TaskRunner.js';

/** A message as both queue consumers see it (embedded receive, SQS Lambda record). */
export interface InboundMessage {
  queue: string;
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  sentAt: string;
}

const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('http'), method: z.string(), path: z.string(), route: z.string() }),
  z.object({ type: z.literal('api') }),
  z.object({ type: z.literal('queue'), queue: z.string(), messageId: z.string() }),
  z.object({ type: z.literal('schedule'), rule: z.string(), scheduledTime: z.string(), catchUp: z.literal(true).optional() }),
]);

const envelopeSchema = z.object({
  taskId: z.string().min(1).max(64),
  process: z.string(),
  trigger: triggerSchema,
  createdAt: z.string(),
  payload: z.discriminatedUnion('type', [
    z.object({ type: z.literal('api'), body: z.unknown().optional() }),
    z.object({ type: z.literal('schedule'), rule: z.string(), scheduledTime: z.string(), input: z.unknown().optional() }),
  ]),
  maxAttempts: z.number().int().positive().optional(),
});

/**
 * Turns a task-queue message into a {@link Delivery}. A message carrying the
 * `sluice-task-id` attribute and a well-formed envelope for this process is
 * a platform task (async submission, schedule); anything else is a streaming
 * message, whose task id derives from its message id so that every
 * redelivery is the same task.
 *
 * @param maxReceiveCount the queue's redrive limit; undefined = no DLQ (retries until retention ends)
 */
export function decodeDelivery(process: string, message: InboundMessage, maxReceiveCount: number | undefined): Delivery {
  const limit = maxReceiveCount ?? Number.POSITIVE_INFINITY;
  const markedTaskId = message.attributes[TASK_ID_ATTRIBUTE];
  if (markedTaskId !== undefined) {
    const envelope = parseEnvelope(message.body);
    if (envelope && envelope.taskId === markedTaskId && envelope.process === process) {
      return {
        taskId: envelope.taskId,
        trigger: envelope.trigger,
        payload: envelope.payload as Payload,
        createdAt: envelope.createdAt,
        receiveCount: message.receiveCount,
        maxAttempts: Math.min(limit, envelope.maxAttempts ?? limit),
      };
    }
    // Marked as a platform task but unreadable (or for another process): a
    // poison message. Fail its task for good rather than guess what it meant.
    if (isTaskId(markedTaskId)) {
      return {
        taskId: markedTaskId,
        trigger: { type: 'queue', queue: message.queue, messageId: message.messageId },
        payload: queuePayload(message),
        createdAt: message.sentAt,
        receiveCount: message.receiveCount,
        maxAttempts: limit,
        poison: `the message carries ${TASK_ID_ATTRIBUTE} but its body is not a task envelope for process '${process}'`,
      };
    }
  }
  return {
    taskId: queueMessageTaskId(message.queue, message.messageId, Date.parse(message.sentAt)),
    trigger: { type: 'queue', queue: message.queue, messageId: message.messageId },
    payload: queuePayload(message),
    createdAt: message.sentAt,
    receiveCount: message.receiveCount,
    maxAttempts: limit,
  };
}

function queuePayload(message: InboundMessage): Payload {
  return {
    type: 'queue',
    queue: message.queue,
    messageId: message.messageId,
    body: parseBody(message.body),
    attributes: message.attributes,
    receiveCount: message.receiveCount,
    sentAt: message.sentAt,
  };
}

function parseEnvelope(body: string): z.infer<typeof envelopeSchema> | undefined {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** JSON when it parses as JSON, else the raw string (CSV lines, plain text...). */
function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
