import { QueueDoesNotExist } from '@aws-sdk/client-sqs';
import { awsErrorName } from './awsErrors.js';

/**
 * Whether an SQS error means "no such queue". The JSON protocol reports it
 * as `QueueDoesNotExist`; the query-compatible code is
 * `AWS.SimpleQueueService.NonExistentQueue`.
 */
export function isQueueDoesNotExist(error: unknown): boolean {
  if (error instanceof QueueDoesNotExist) return true;
  const name = awsErrorName(error);
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}
