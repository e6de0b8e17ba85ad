import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { validateInput } from '../../core/process/validateInput.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import { inputOf, type HttpPayload } from '../../core/task/Payload.js';
import { newTaskId } from '../../core/task/taskIds.js';
import { errorReply, syncReply, type HttpReply } from '../../http/httpResponses.js';
import { parseRequestBody } from '../../http/parseRequestBody.js';
import type { HttpApiEvent } from './processEvent.js';

export interface HttpEventContext {
  runner: TaskRunner;
  process: RunnableProcess;
  maxPayloadBytes: number;
  /** Absolute epoch ms by which Lambda stops the invocation. */
  deadlineMs: number;
}

/** Methods whose body the embedded runtime ignores too (they carry none by HTTP semantics). */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Runs one synchronous HTTP task: the AWS twin of the embedded runtime's
 * `createHttpListener` route handler, with the same payload, validation and
 * replies, so a process answers alike on both runtimes. Errors never escape:
 * bad input is the embedded runtime's 4xx JSON, anything else a 500 that
 * leaks nothing (and is logged).
 */
export async function handleHttpEvent(event: HttpApiEvent, ctx: HttpEventContext): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const payload = httpPayloadOf(event, ctx.maxPayloadBytes);
    const input = validateInput(ctx.process.definition.input, inputOf(payload));
    const { record, outcome } = await ctx.runner.runSync(ctx.process, {
      taskId: newTaskId(),
      trigger: { type: 'http', method: payload.method, path: payload.path, route: payload.route },
      payload,
      input,
      deadlineMs: ctx.deadlineMs,
    });
    return toResult(syncReply(record, outcome.response));
  } catch (error) {
    const reply = errorReply(error);
    if (reply.status >= 500) console.error(`sync task of '${ctx.process.name}' failed around the process`, error);
    return toResult(reply);
  }
}

/**
 * The {@link HttpPayload} of a request, field by field as the embedded
 * runtime builds it from Node's request.
 *
 * @throws {PayloadTooLargeError} body over `maxBytes` (after base64 decoding)
 * @throws {MalformedInputError} body not valid for its content type
 */
export function httpPayloadOf(event: HttpApiEvent, maxBytes: number): HttpPayload {
  const method = event.requestContext.http.method.toUpperCase();
  const headers: Record<string, string> = {};
  // API Gateway lower-cases names already; repeat it so nothing depends on that.
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  // Payload 2.0 moves the Cookie header to `cookies`; a process sees it where Node shows it.
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  let raw: Uint8Array | string | undefined;
  if (!BODYLESS.has(method) && event.body !== undefined) {
    raw = event.isBase64Encoded ? new Uint8Array(Buffer.from(event.body, 'base64')) : event.body;
  }
  const space = event.routeKey.indexOf(' ');
  return {
    type: 'http',
    method,
    path: event.rawPath,
    route: space === -1 ? event.routeKey : event.routeKey.slice(space + 1),
    pathParameters: { ...event.pathParameters },
    query: { ...event.queryStringParameters },
    headers,
    body: parseRequestBody(raw, headers['content-type'], maxBytes),
  };
}

function toResult(reply: HttpReply): APIGatewayProxyStructuredResultV2 {
  return { statusCode: reply.status, headers: reply.headers, body: reply.body, isBase64Encoded: false };
}
