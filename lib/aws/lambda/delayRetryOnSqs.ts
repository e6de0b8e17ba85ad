import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsRequestFailed } from '../awsErrors.js';
import type { QueueUrlResolver } from '../queueUrlResolvers.js';
import { queueNameOfArn } from './processEvent.js';

/**
 * The URL of a queue from its ARN (`arn:<partition>:sqs:<region>:<account>:<name>`):
 * `https://sqs.<region>.amazonaws.com[.cn]/<account>/<name>`, with no request
 * (a process function knows its queues by the ARNs of the records only).
 */
export function queueUrlOfArn(arn: string): string {
  const [, partition, , region, account, name] = arn.split(':');
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${suffix}/${account}/${encodeURIComponent(name ?? '')}`;
}

/**
 * `SqsBatchContext.delayRetry` on SQS: `ChangeMessageVisibility` of the failed
 * message to the retry's delay (0..43200 s, clamped by the core). The
 * function's role has `sqs:ChangeMessageVisibility` on the queues it consumes
 * (the plugin grants it with the event source mapping's rights).
 *
 * @param resolveUrl by queue name; default: from the ARN ({@link queueUrlOfArn}); emulators pass `queueUrlFromGetQueueUrl`
 */
export function delayRetryOnSqs(client: SQSClient, resolveUrl?: QueueUrlResolver) {
  return async (queueArn: string, receiptHandle: string, delaySeconds: number): Promise<void> => {
    const url = resolveUrl ? await resolveUrl(queueNameOfArn(queueArn)) : queueUrlOfArn(queueArn);
    try {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: receiptHandle, VisibilityTimeout: delaySeconds }));
    } catch (error) {
      throw awsRequestFailed('SQS', 'ChangeMessageVisibility', queueNameOfArn(queueArn), error);
    }
  };
}
