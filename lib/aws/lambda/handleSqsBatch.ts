import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { SluiceError } from '../../core/errors.js';
import { decodeDelivery, type InboundMessage } from '../../core/runner/decodeDelivery.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { DeliveryDecision, TaskRunner } from '../../core/runner/TaskRunner.js';
import { queueNameOfArn, sqsRecordSchema, type SqsRecord } from './processEvent.js';

export interface SqsBatchContext {
  runner: TaskRunner;
  process: RunnableProcess;
  /** maxReceiveCount of each consumed queue that has a DLQ (`SLUICE_MAX_RECEIVE_COUNTS`). */
  maxReceiveCounts: Readonly<Record<string, number>>;
  /** Absolute epoch ms by which Lambda stops the invocation. */
  deadlineMs: number;
  lambdaContext: Context;
  /**
   * Applies a retry's delay: `ChangeMessageVisibility` of the failed message
   * (by its queue's ARN) before it is reported in `batchItemFailures`, so it
   * returns after the backoff rather than after the queue's visibility
   * timeout. Absent: the visibility timeout applies.
   */
  delayRetry?: (queueArn: string, receiptHandle: string, delaySeconds: number) => Promise<void>;
}

/** A record whose task is not finished successfully: reported as a batch item failure. */
class DeliveryNotAckedError extends SluiceError {
  override name = 'DeliveryNotAckedError';
}

/**
 * Runs one task per SQS record, in parallel, and reports the records to keep
 * as `batchItemFailures` (the event source mapping has
 * `ReportBatchItemFailures`, set by the plugin):
 *
 * - `ack`: the record succeeds and Lambda deletes the message.
 * - `retry`: a failure; its visibility is first changed to the retry's delay
 *   (backoff or `RetryAfterError`), so it returns then. A failed change is
 *   logged: the message still returns, after its visibility timeout.
 * - `dead-letter`: a failure too. The task is already stored as failed, but
 *   only SQS redrive can move the message (the function has no right to send
 *   to the DLQ), which it does once `maxReceiveCount` is reached; meanwhile
 *   every redelivery finds the finished task and runs nothing.
 * - the store failing around the task: a failure; the message returns.
 *
 * Powertools' `BatchProcessor` does the bookkeeping, with
 * `throwOnFullBatchFailure: false`: when every record fails it would throw,
 * and Lambda would then count the whole batch as failed, which is what the
 * item failures say anyway, minus the noise of an invocation error for
 * outcomes already recorded per task. One processor per invocation: its
 * state is per batch, and a module-level one would be shared by concurrent
 * invocations of a multi-concurrency container.
 */
export async function handleSqsBatch(records: readonly unknown[], ctx: SqsBatchContext): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(
    { Records: records as SQSRecord[] },
    async (raw: SQSRecord) => {
      const decision = await deliverRecord(raw, ctx);
      if (decision !== 'ack') throw new DeliveryNotAckedError(`message ${raw.messageId}: ${decision}`);
    },
    processor,
    { context: ctx.lambdaContext, throwOnFullBatchFailure: false },
  );
}

async function deliverRecord(raw: unknown, ctx: SqsBatchContext): Promise<DeliveryDecision> {
  const { decision, retry } = await runRecord(raw, ctx);
  if (retry) {
    try {
      await ctx.delayRetry?.(retry.queueArn, retry.receiptHandle, retry.delaySeconds);
    } catch (error) {
      console.error(`could not delay the retry of message ${retry.messageId} by ${retry.delaySeconds} s; it returns after its visibility timeout`, error);
    }
  }
  return decision;
}

async function runRecord(
  raw: unknown,
  ctx: SqsBatchContext,
): Promise<{ decision: DeliveryDecision; retry?: { queueArn: string; receiptHandle: string; delaySeconds: number; messageId: string } }> {
  const parsed = sqsRecordSchema.safeParse(raw);
  if (!parsed.success) {
    // Not a message Lambda would send: leave it to the queue's redrive.
    console.error('malformed SQS record', parsed.error.issues);
    throw new DeliveryNotAckedError('malformed SQS record', { cause: parsed.error });
  }
  const record = parsed.data;
  const message = inboundMessageOf(record);
  const delivery = decodeDelivery(ctx.process.name, message, ctx.maxReceiveCounts[message.queue]);
  try {
    const result = await ctx.runner.deliver(ctx.process, { ...delivery, deadlineMs: ctx.deadlineMs });
    if (result.decision !== 'retry' || record.receiptHandle === undefined) return { decision: result.decision };
    return {
      decision: result.decision,
      retry: { queueArn: record.eventSourceARN, receiptHandle: record.receiptHandle, delaySeconds: result.delaySeconds, messageId: record.messageId },
    };
  } catch (error) {
    console.error(`delivery of message ${record.messageId} from '${message.queue}' failed; it will be retried`, error);
    throw error;
  }
}

/** The message as the queue consumers of both runtimes describe it. */
export function inboundMessageOf(record: SqsRecord): InboundMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes)) {
    // String and Number attributes carry stringValue; Binary ones are not part of the port.
    if (value.stringValue !== undefined) attributes[name] = value.stringValue;
  }
  return {
    queue: queueNameOfArn(record.eventSourceARN),
    messageId: record.messageId,
    body: record.body,
    attributes,
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    sentAt: new Date(Number(record.attributes.SentTimestamp)).toISOString(),
  };
}
