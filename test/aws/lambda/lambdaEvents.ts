/**
 * Lambda events for tests, built from the realistic fixtures in
 * test/fixtures/aws-events (shapes as AWS documents and delivers them).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/aws-events');

/** A fixture, parsed afresh (callers may change it). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}

/** A Lambda context whose deadline is `remainingMs` from its creation. */
export function lambdaContext(remainingMs = 30_000, functionName = 'sluice-test'): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/27/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpRequestSpec {
  method: string;
  /**
   * The request path as HTTP API puts it in `rawPath`: percent-decoded
   * (`/files/a b`, not `/files/a%20b`), like `pathParameters`.
   */
  path: string;
  /** The route template, e.g. `/customers/{customerId}/sync` (default: `path`). */
  route?: string;
  pathParameters?: Record<string, string>;
  /** Repeated values as arrays. */
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string | Buffer;
  /** Send the body base64-encoded, as API Gateway does for binary media. */
  base64?: boolean;
}

/** Request headers the fixture carries that describe its own request, not every request. */
const REQUEST_SPECIFIC = new Set(['content-length', 'content-type']);

/**
 * An API Gateway HTTP API (payload 2.0) event, as API Gateway builds it:
 * header names lower-cased, repeated query values comma-joined in
 * `queryStringParameters` (and kept apart in `rawQueryString`), cookies in
 * their own array, a binary body base64-encoded.
 */
export function httpApiEvent(spec: HttpRequestSpec, template: 'process' | 'platform' = 'process'): Record<string, unknown> {
  const event = fixture(template === 'process' ? 'apigw-v2-process-route.json' : 'apigw-v2-platform-iam.json');
  const route = spec.route ?? spec.path;
  const routeKey = `${spec.method} ${route}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers as Record<string, string>)) {
    if (!REQUEST_SPECIFIC.has(name)) headers[name] = value;
  }
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value;
  const raw = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  if (raw !== undefined) headers['content-length'] = String(raw.byteLength);

  const pairs: string[] = [];
  const joined: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
    joined[key] = values.join(',');
  }

  const requestContext = event.requestContext as Record<string, unknown>;
  const result: Record<string, unknown> = {
    ...event,
    routeKey,
    rawPath: spec.path,
    rawQueryString: pairs.join('&'),
    headers,
    requestContext: {
      ...requestContext,
      routeKey,
      http: { ...(requestContext.http as Record<string, unknown>), method: spec.method, path: spec.path },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      timeEpoch: Date.now(),
    },
    isBase64Encoded: spec.base64 === true,
  };
  delete result.cookies;
  delete result.queryStringParameters;
  delete result.pathParameters;
  delete result.body;
  if (spec.cookies) result.cookies = spec.cookies;
  if (pairs.length > 0) result.queryStringParameters = joined;
  if (spec.pathParameters) result.pathParameters = spec.pathParameters;
  if (raw !== undefined) result.body = spec.base64 ? raw.toString('base64') : raw.toString('utf8');
  return result;
}

/**
 * The SQS event Lambda's event source mapping would build from messages
 * received with `MessageSystemAttributeNames: ['All']` and
 * `MessageAttributeNames: ['All']`.
 */
export function sqsEventOf(queueArn: string, messages: readonly Message[]): { Records: Array<Record<string, unknown>> } {
  const region = queueArn.split(':')[3];
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body ?? '',
      attributes: { ...m.Attributes },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
            ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
            stringListValues: [],
            binaryListValues: [],
            dataType: value.DataType,
          },
        ]),
      ),
      md5OfMessageAttributes: m.MD5OfMessageAttributes ?? null,
      md5OfBody: m.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

/** What the plugin's input transformer delivers for one firing. */
export function sluiceScheduleEvent(rule: string, time: string, input?: unknown): Record<string, unknown> {
  const event = fixture<{ sluiceSchedule: Record<string, unknown> }>('sluice-schedule.json');
  const sluiceSchedule: Record<string, unknown> = { ...event.sluiceSchedule, rule, time };
  if (input === undefined) delete sluiceSchedule.input;
  else sluiceSchedule.input = input;
  return { sluiceSchedule };
}

/** EventBridge's own Scheduled Event for a rule. */
export function scheduledEvent(ruleName: string, time: string): Record<string, unknown> {
  const event = fixture('eventbridge-scheduled-event.json');
  return { ...event, id: `evt-${Math.random().toString(36).slice(2)}`, time, resources: [`arn:aws:events:us-east-1:123456789012:rule/${ruleName}`] };
}
