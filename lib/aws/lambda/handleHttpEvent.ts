import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import type { HttpReply } from '../../http/httpResponses.js';
import { runSyncHttpTask, type SyncHttpRequest } from '../../http/runSyncHttpTask.js';
import type { HttpApiEvent } from './processEvent.js';
import type { HttpAuth } from '../../core/task/Payload.js';

export interface HttpEventContext {
  runner: TaskRunner;
  process: RunnableProcess;
  maxPayloadBytes: number;
  /** Absolute epoch ms by which Lambda stops the invocation. */
  deadlineMs: number;
}

/**
 * Runs one synchronous HTTP task on AWS: adapts the API Gateway payload 2.0
 * event to the shared pipeline ({@link runSyncHttpTask}, the one the
 * embedded runtime runs too) and its reply to the 2.0 result. Errors never
 * escape: bad input is a 4xx JSON error, anything else a 500 that leaks
 * nothing (its cause is logged).
 */
export async function handleHttpEvent(event: HttpApiEvent, ctx: HttpEventContext): Promise<APIGatewayProxyStructuredResultV2> {
  const reply = await runSyncHttpTask(ctx.process, syncRequestOf(event), {
    runner: ctx.runner,
    maxPayloadBytes: ctx.maxPayloadBytes,
    deadlineMs: ctx.deadlineMs,
    onInternalError: (error, what) => console.error(`${what} failed`, error),
  });
  return resultOf(reply);
}

/**
 * The request of a payload 2.0 event. API Gateway has decoded `rawPath`,
 * `pathParameters` and `queryStringParameters` already (the rule the
 * embedded runtime applies in `requestTarget.ts`), lower-cased header names
 * and moved the Cookie header to `cookies`; a process sees the cookies where
 * node shows them, as one `cookie` header.
 */
export function syncRequestOf(event: HttpApiEvent): SyncHttpRequest {
  const headers: Record<string, string> = {};
  // API Gateway lower-cases names already; repeat it so nothing depends on that.
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  const space = event.routeKey.indexOf(' ');
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    route: space === -1 ? event.routeKey : event.routeKey.slice(space + 1),
    pathParameters: { ...event.pathParameters },
    query: { ...event.queryStringParameters },
    headers,
    ...authOf(event.requestContext.authorizer),
    readBody: async () => {
      if (event.body === undefined) return undefined;
      return event.isBase64Encoded ? new Uint8Array(Buffer.from(event.body, 'base64')) : event.body;
    },
  };
}

/** A reply as the payload 2.0 result: cookies travel in `cookies` (API Gateway writes one Set-Cookie each). */
export function resultOf(reply: HttpReply): APIGatewayProxyStructuredResultV2 {
  const result: APIGatewayProxyStructuredResultV2 = { statusCode: reply.status, headers: reply.headers, body: reply.body, isBase64Encoded: false };
  if (reply.cookies && reply.cookies.length > 0) result.cookies = reply.cookies;
  return result;
}

/** `requestContext.authorizer` of payload 2.0 as `HttpPayload.auth` (`jwt`, `lambda` or `iam`, whichever API Gateway set). */
function authOf(authorizer: Record<string, unknown> | undefined): { auth?: HttpAuth } {
  if (!authorizer) return {};
  const jwt = authorizer.jwt as { claims?: Record<string, unknown>; scopes?: string[] | null } | undefined;
  if (jwt) return { auth: { type: 'jwt', claims: { ...jwt.claims }, scopes: jwt.scopes ?? [] } };
  const iam = authorizer.iam as { accessKey?: string; accountId?: string; userArn?: string; callerId?: string } | undefined;
  if (iam?.accessKey) return { auth: { type: 'iam', accessKey: iam.accessKey, ...(iam.accountId ? { accountId: iam.accountId } : {}), ...(iam.userArn ? { userArn: iam.userArn } : {}), ...(iam.callerId ? { callerId: iam.callerId } : {}) } };
  const lambda = authorizer.lambda as Record<string, unknown> | undefined;
  if (lambda) return { auth: { type: 'lambda', context: { ...lambda } } };
  return {};
}
