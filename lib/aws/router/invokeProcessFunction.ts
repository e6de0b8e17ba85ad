import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLargeError, ThrottledError } from '../../core/errors.js';
import { failureReply } from '../../http/failureReply.js';
import { jsonReply, type HttpReply } from '../../http/httpResponses.js';
import { awsErrorName } from '../awsErrors.js';
import { resultOf } from '../lambda/handleHttpEvent.js';

/**
 * Lambda's limit on a synchronous invocation's request and response
 * payloads: 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
export const LAMBDA_SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** What the router keeps for itself at the end of its own invocation, to answer 504 before Lambda ends it. */
export const ROUTER_MARGIN_MS = 500;

export interface InvokeContext {
  lambda: LambdaClient;
  /** Absolute epoch ms by which the router's own invocation ends. */
  deadlineMs: number;
  now(): number;
  /** Called with the cause of every 5xx (the reply hides it) and what failed. */
  onInternalError(error: unknown, what: string): void;
}

/**
 * Invokes a process function synchronously (`RequestResponse`) with the
 * payload 2.0 event of its route and returns its payload 2.0 result, as
 * API Gateway would have had it from a route of its own.
 *
 * - The event over Lambda's 6 MB: 413, nothing invoked.
 * - The function failed (`FunctionError`: an unhandled error, a crash, a
 *   timeout of the process function, a response over 6 MB): 502
 *   `{ error: 'BadGateway' }`, its error type and message logged, not sent.
 * - Lambda throttled it (`TooManyRequestsException`): 429, not retried (a
 *   synchronous request never waits, as on the embedded runtime).
 * - No answer by the router's own deadline (less {@link ROUTER_MARGIN_MS}):
 *   504; the process function runs on to its own timeout (its task record
 *   says how it ended).
 * - Anything else: 500, logged.
 */
export async function invokeProcessFunction(functionName: string, event: Record<string, unknown>, ctx: InvokeContext): Promise<APIGatewayProxyStructuredResultV2> {
  const what = `invoke of ${functionName}`;
  const payload = Buffer.from(JSON.stringify(event));
  if (payload.length > LAMBDA_SYNC_PAYLOAD_LIMIT) return resultOf(failureReply(new PayloadTooLargeError(payload.length, LAMBDA_SYNC_PAYLOAD_LIMIT), undefined, what));
  const budgetMs = ctx.deadlineMs - ROUTER_MARGIN_MS - ctx.now();
  if (budgetMs <= 0) return resultOf(gatewayTimeout());
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  try {
    const out = await ctx.lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: payload }), { abortSignal: abort.signal });
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError !== undefined) {
      ctx.onInternalError(new ProcessFunctionError(functionName, out.FunctionError, text), what);
      return resultOf(jsonReply(502, { error: 'BadGateway', message: 'the process function failed' }));
    }
    return structuredResultOf(text);
  } catch (error) {
    if (abort.signal.aborted) return resultOf(gatewayTimeout());
    switch (awsErrorName(error)) {
      case 'TooManyRequestsException':
        return resultOf(failureReply(new ThrottledError(`the function of this route is at its concurrency limit; try again`), undefined, what));
      case 'RequestEntityTooLargeException':
        return resultOf(failureReply(new PayloadTooLargeError(payload.length, LAMBDA_SYNC_PAYLOAD_LIMIT), undefined, what));
      default:
        return resultOf(failureReply(error, ctx.onInternalError, what));
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A process function's `FunctionError`, with Lambda's `{ errorType, errorMessage }` payload (for the log). */
export class ProcessFunctionError extends Error {
  override name = 'ProcessFunctionError';
  constructor(
    readonly functionName: string,
    readonly functionError: string,
    readonly payload: string,
  ) {
    super(`${functionName} failed (${functionError}): ${payload.slice(0, 1024)}`);
  }
}

/**
 * A function's result as API Gateway reads payload 2.0 results: an object
 * with `statusCode` is the response; anything else is a 200 whose body is
 * the result as JSON (what Sluice's process functions never return, but
 * what API Gateway would do with it).
 */
function structuredResultOf(text: string): APIGatewayProxyStructuredResultV2 {
  const value: unknown = text === '' ? null : JSON.parse(text);
  if (typeof value === 'object' && value !== null && typeof (value as { statusCode?: unknown }).statusCode === 'number') return value as APIGatewayProxyStructuredResultV2;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: typeof value === 'string' ? value : JSON.stringify(value), isBase64Encoded: false };
}

const gatewayTimeout = (): HttpReply =>
  jsonReply(504, { error: 'GatewayTimeout', message: 'the function of this route did not answer in time (it may still be running: its task record tells how it ended)' });
