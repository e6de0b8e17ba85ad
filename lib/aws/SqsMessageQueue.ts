import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { SluiceError, UnknownQueueError } from '../core/errors.js';
import type { MessageQueue, OutgoingMessage, QueueStats, ReceiveOptions, ReceivedMessage } from '../core/ports/MessageQueue.js';
import { checkOutgoingMessage, sqsMessageBytes } from '../core/queue/sqsRules.js';
import { awsRequestFailed } from './awsErrors.js';
import type { QueueUrlResolver } from './queueUrlResolvers.js';
import { isQueueDoesNotExist } from './sqsErrors.js';

export interface SqsMessageQueueOptions {
  /** Created once per container by the caller. */
  client: SQSClient;
  /** `queueUrlFromPrefix(...)` on Lambda, `queueUrlFromGetQueueUrl(client)` against emulators. */
  resolveQueueUrl: QueueUrlResolver;
}

/** SQS limits for one `SendMessageBatch`: 10 entries, 1 MiB in total. */
const BATCH_MAX_ENTRIES = 10;
const BATCH_MAX_BYTES = 1024 * 1024;
/** Entries SQS failed for its own reasons (not the sender's) are retried this many times. */
const BATCH_RETRIES = 2;

/**
 * {@link MessageQueue} on SQS. Queues are addressed by name; URLs come from
 * the injected resolver. Message attributes travel as SQS `String`
 * attributes (SQS rejects empty values).
 */
export class SqsMessageQueue implements MessageQueue {
  private readonly client: SQSClient;
  private readonly resolveQueueUrl: QueueUrlResolver;

  constructor(options: SqsMessageQueueOptions) {
    this.client = options.client;
    this.resolveQueueUrl = options.resolveQueueUrl;
  }

  /** @throws {ValidationError} / {PayloadTooLargeError} for what SQS refuses, before any request (`checkOutgoingMessage`) */
  async send(queue: string, message: OutgoingMessage): Promise<{ messageId: string }> {
    checkOutgoingMessage(message);
    const out = await this.call(queue, 'SendMessage', (url) =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: message.body,
          DelaySeconds: message.delaySeconds,
          MessageAttributes: toSqsAttributes(message.attributes),
        }),
      ),
    );
    if (!out.MessageId) throw new SluiceError(`SQS SendMessage to '${queue}' returned no MessageId`);
    return { messageId: out.MessageId };
  }

  /**
   * Sends many messages with `SendMessageBatch` (10 per request, at most
   * 1 MiB per request). Returns the message ids in input order. Entries SQS
   * fails on its side are retried; a sender fault (e.g. an invalid
   * attribute) throws, naming the entry.
   */
  async sendBatch(queue: string, messages: readonly OutgoingMessage[]): Promise<Array<{ messageId: string }>> {
    for (const message of messages) checkOutgoingMessage(message);
    const ids: string[] = new Array<string>(messages.length);
    for (const chunk of chunkForBatch(messages)) {
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const entries: SendMessageBatchRequestEntry[] = pending.map((index) => {
          const message = messages[index]!;
          return {
            Id: String(index),
            MessageBody: message.body,
            DelaySeconds: message.delaySeconds,
            MessageAttributes: toSqsAttributes(message.attributes),
          };
        });
        const out = await this.call(queue, 'SendMessageBatch', (url) => this.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })));
        for (const ok of out.Successful ?? []) ids[Number(ok.Id)] = ok.MessageId!;
        const failed = out.Failed ?? [];
        const fatal = failed.find((f) => f.SenderFault || attempt >= BATCH_RETRIES);
        if (fatal) throw new SluiceError(`SQS SendMessageBatch to '${queue}': message ${fatal.Id} failed: ${fatal.Code} ${fatal.Message ?? ''}`.trim());
        pending = failed.map((f) => Number(f.Id));
      }
    }
    return ids.map((messageId) => ({ messageId }));
  }

  async receive(queue: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const out = await this.call(queue, 'ReceiveMessage', (url) =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: options.maxMessages,
          VisibilityTimeout: options.visibilityTimeoutSeconds,
          WaitTimeSeconds: options.waitTimeSeconds ?? 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      ),
    );
    return (out.Messages ?? []).map((m) => toReceived(queue, m));
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    await this.call(queue, 'DeleteMessage', (url) => this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle })));
  }

  async changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void> {
    await this.call(queue, 'ChangeMessageVisibility', (url) =>
      this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: receiptHandle, VisibilityTimeout: visibilityTimeoutSeconds })),
    );
  }

  /** Approximate, as SQS's own counters are. */
  async stats(queue: string): Promise<QueueStats> {
    const out = await this.call(queue, 'GetQueueAttributes', (url) =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      ),
    );
    const count = (name: string) => Number(out.Attributes?.[name as keyof typeof out.Attributes] ?? 0);
    return {
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
    };
  }

  /** Resolves the URL and runs one request; "no such queue" becomes {@link UnknownQueueError}. */
  private async call<T>(queue: string, operation: string, request: (url: string) => Promise<T>): Promise<T> {
    const url = await this.resolveQueueUrl(queue);
    try {
      return await request(url);
    } catch (error) {
      if (isQueueDoesNotExist(error)) throw new UnknownQueueError(queue);
      throw awsRequestFailed('SQS', operation, queue, error);
    }
  }
}

function toSqsAttributes(attributes: Record<string, string> | undefined): Record<string, MessageAttributeValue> | undefined {
  if (attributes === undefined) return undefined;
  const entries = Object.entries(attributes);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

function toReceived(queue: string, message: Message): ReceivedMessage {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) {
    throw new SluiceError(`SQS ReceiveMessage on '${queue}' returned a message without id or receipt handle`);
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    // String and Number attributes carry StringValue; Binary ones are not part of the port.
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const sentTimestamp = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    sentAt: new Date(Number.isFinite(sentTimestamp) ? sentTimestamp : Date.now()).toISOString(),
  };
}

/** Splits message indexes into batches of at most 10 entries and 1 MiB. */
function chunkForBatch(messages: readonly OutgoingMessage[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  messages.forEach((message, index) => {
    const size = sqsMessageBytes(message);
    if (current.length > 0 && (current.length >= BATCH_MAX_ENTRIES || bytes + size > BATCH_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}
