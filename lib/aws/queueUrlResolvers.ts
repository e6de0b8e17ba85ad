import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UnknownQueueError } from '../core/errors.js';
import { awsRequestFailed } from './awsErrors.js';
import { isQueueDoesNotExist } from './sqsErrors.js';

/** Maps a logical queue name (the `QueueName`) to its queue URL. */
export type QueueUrlResolver = (name: string) => string | Promise<string>;

/**
 * For Lambda: URLs are `https://sqs.<region>.amazonaws.com/<account>/<name>`,
 * so the prefix (one environment variable) is enough and no request is made.
 * An undeclared name surfaces as `QueueDoesNotExist` on first use.
 *
 * @example queueUrlFromPrefix(`https://sqs.${region}.amazonaws.com/${accountId}/`)
 */
export function queueUrlFromPrefix(prefix: string): QueueUrlResolver {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return (name) => `${base}${encodeURIComponent(name)}`;
}

/**
 * Looks URLs up with `GetQueueUrl`, once per name (failures are not cached,
 * so a queue created later is found). For emulators: fauxqs finds queues by
 * the exact URL string it returned, so URLs must not be built by hand.
 *
 * @throws {UnknownQueueError} (from the resolver) when the queue does not exist
 */
export function queueUrlFromGetQueueUrl(client: SQSClient): QueueUrlResolver {
  const cache = new Map<string, Promise<string>>();
  return (name) => {
    let url = cache.get(name);
    if (url === undefined) {
      url = client.send(new GetQueueUrlCommand({ QueueName: name })).then(
        (out) => {
          if (!out.QueueUrl) throw new UnknownQueueError(name);
          return out.QueueUrl;
        },
        (error: unknown) => {
          throw isQueueDoesNotExist(error) ? new UnknownQueueError(name) : awsRequestFailed('SQS', 'GetQueueUrl', name, error);
        },
      );
      cache.set(name, url);
      url.catch(() => cache.delete(name));
    }
    return url;
  };
}
