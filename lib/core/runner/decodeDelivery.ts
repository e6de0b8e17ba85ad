import { MAX_JSON_DEPTH, readMaybeJson } from '../boundedJson.js';
import { TASK_ID_ATTRIBUTE } from '../ports/TaskDispatcher.js';
import type { Payload } from '../task/Payload.js';
import { dispatchedPayloadHash, parseTaskEnvelope } from '../task/taskEnvelopeCodec.js';
import { queueMessageTaskId } from '../task/taskIds.js';
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

/**
 * Turns a task-queue message into a {@link Delivery}:
 *
 * - no `sluice-task-id` attribute: a streaming message, whose task id
 *   derives from its queue and message id, so that every redelivery is the
 *   same task;
 * - the attribute and a well-formed envelope for that task and this
 *   process: a platform task (async submission, schedule), with a
 *   {@link Delivery.claim}: `TaskRunner.deliver` accepts it only if the
 *   task's record holds the same payload hash;
 * - the attribute with anything else (garbage, another task's id in the
 *   body, another process): a poison message that fails as ITS OWN task
 *   (the streaming id). Anyone who can send to the queue can set the
 *   attribute, so it alone never acts on the task it names.
 *
 * @param maxReceiveCount the queue's redrive limit; undefined = no DLQ (retries until retention ends)
 */
export function decodeDelivery(process: string, message: InboundMessage, maxReceiveCount: number | undefined): Delivery {
  const limit = maxReceiveCount ?? Number.POSITIVE_INFINITY;
  const body = readMaybeJson(message.body);
  const own: Delivery = {
    taskId: queueMessageTaskId(message.queue, message.messageId, Date.parse(message.sentAt)),
    trigger: { type: 'queue', queue: message.queue, messageId: message.messageId },
    payload: queuePayload(message, body),
    createdAt: message.sentAt,
    receiveCount: message.receiveCount,
    maxAttempts: limit,
    // JSON nested past the limit would overflow every later walk of it (storing, validating): dead-letter it.
    ...(body.kind === 'too-deep' ? { poison: `the message body is JSON nested deeper than ${MAX_JSON_DEPTH} levels` } : {}),
  };
  const markedTaskId = message.attributes[TASK_ID_ATTRIBUTE];
  if (markedTaskId === undefined) return own;
  const envelope = parseTaskEnvelope(message.body);
  if (!envelope || envelope.taskId !== markedTaskId || envelope.process !== process) {
    return {
      ...own,
      poison: `the message carries ${TASK_ID_ATTRIBUTE} ${JSON.stringify(markedTaskId.slice(0, 64))} but its body is not that task's envelope for process '${process}'`,
    };
  }
  return {
    taskId: envelope.taskId,
    trigger: envelope.trigger,
    payload: envelope.payload,
    createdAt: envelope.createdAt,
    receiveCount: message.receiveCount,
    maxAttempts: Math.min(limit, envelope.maxAttempts ?? limit),
    claim: { payloadHash: dispatchedPayloadHash(envelope.payload), own },
  };
}

/** The body is JSON when it parses as JSON (within the nesting limit), else the raw string (CSV lines, plain text...). */
function queuePayload(message: InboundMessage, body = readMaybeJson(message.body)): Payload {
  return {
    type: 'queue',
    queue: message.queue,
    messageId: message.messageId,
    body: body.kind === 'json' ? body.value : message.body,
    attributes: message.attributes,
    receiveCount: message.receiveCount,
    sentAt: message.sentAt,
  };
}
