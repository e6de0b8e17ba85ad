import type { HttpResponseSpec } from '../core/execution/HttpResponseControl.js';
import { type SluiceErrorKind, sluiceErrorKind } from '../core/errors.js';
import type { TaskRecord } from '../core/task/TaskRecord.js';

/** A transport-neutral HTTP response; each edge writes it its own way. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** `Set-Cookie` values, one per cookie (headers cannot carry them comma-joined): the embedded runtime writes one line each, AWS the payload 2.0 result's `cookies`. */
  cookies?: string[];
}

export const TASK_ID_HEADER = 'x-sluice-task-id';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The response of a synchronous route, from the stored task:
 * - succeeded: the result as JSON, 200 unless the process chose a status.
 *   A string result with a non-JSON content-type set by the process is sent
 *   as is (CSV, plain text...).
 * - failed: 500 `{ taskId, error }` (plus the aggregator's `handleError` result, if
 *   any), or the 4xx status the process set before failing (e.g. 404 for a
 *   record it could not find).
 * - timed_out: 504 `{ taskId, error }`.
 */
export function syncReply(record: TaskRecord, response: HttpResponseSpec): HttpReply {
  const headers: Record<string, string> = { [TASK_ID_HEADER]: record.taskId };
  const cookies = response.cookies ? { cookies: response.cookies } : {};
  switch (record.status) {
    case 'succeeded': {
      Object.assign(headers, response.headers);
      const type = headers['content-type'];
      if (type && !/json/i.test(type) && typeof record.result === 'string') {
        return { status: response.status ?? 200, headers, body: record.result, ...cookies };
      }
      headers['content-type'] = JSON_TYPE;
      return { status: response.status ?? 200, headers, body: JSON.stringify(record.result ?? null), ...cookies };
    }
    case 'failed':
    case 'timed_out': {
      headers['content-type'] = JSON_TYPE;
      const { stack: _stack, ...error } = record.error ?? { kind: 'system', name: 'Error', message: 'unknown failure' };
      const body: Record<string, unknown> = { taskId: record.taskId, error };
      if (record.result !== undefined) body.result = record.result;
      if (record.status === 'timed_out') return { status: 504, headers, body: JSON.stringify(body) };
      const chosen = response.status !== undefined && response.status >= 400 ? response.status : 500;
      return { status: chosen, headers: { ...response.headers, ...headers }, body: JSON.stringify(body), ...cookies };
    }
    default:
      // A sync task is stored final; anything else means the store lost a race.
      headers['content-type'] = JSON_TYPE;
      return { status: 500, headers, body: JSON.stringify({ taskId: record.taskId, error: { name: 'InternalError', message: `task is ${record.status}` } }) };
  }
}

const STATUS_BY_ERROR: Partial<Record<SluiceErrorKind, number>> = {
  ValidationError: 400,
  MalformedInputError: 400,
  PayloadTooLargeError: 413,
  UnknownProcessError: 404,
  UnknownQueueError: 404,
  IdempotencyConflictError: 409,
  AsyncDisabledError: 409,
  NotFoundError: 404,
  ConflictError: 409,
  ThrottledError: 429,
  ShuttingDownError: 503,
};

/**
 * Maps an error to a JSON error reply. Sluice's own errors are precise 4xx
 * (their messages are written for callers); anything else is a 500 whose
 * body does not leak internals. Classified by brand (`sluiceErrorKind`):
 * a subclass gets its base class's status, and a plain `Error` named like
 * a Sluice error is a 500.
 */
export function errorReply(error: unknown): HttpReply {
  const kind = sluiceErrorKind(error);
  const status = kind === undefined ? 500 : (STATUS_BY_ERROR[kind] ?? 500);
  const body: Record<string, unknown> =
    status === 500 ? { error: 'InternalError', message: 'internal error' } : { error: (error as Error).name, message: (error as Error).message };
  const issues = (error as { issues?: unknown }).issues;
  if (status === 400 && Array.isArray(issues)) body.issues = issues;
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body) };
}

/**
 * 404 for a request no process route takes — an unknown path, or a known
 * path with a method it does not declare — with the message API Gateway
 * HTTP API answers there (`{"message":"Not Found"}`), in Sluice's error shape.
 */
export function routeNotFoundReply(): HttpReply {
  return jsonReply(404, { error: 'NotFound', message: 'Not Found' });
}

/** 404 for a path no route serves. */
export function notFoundReply(method: string, path: string): HttpReply {
  return jsonReply(404, { error: 'NotFound', message: `no route ${method} ${path}` });
}

/** 405 for a path served for other methods only, with `Allow`. */
export function methodNotAllowedReply(method: string, path: string, allowed: readonly string[]): HttpReply {
  const allow = allowed.join(', ');
  return jsonReply(405, { error: 'MethodNotAllowed', message: `${method} is not allowed on ${path}; use ${allow}` }, { allow });
}

/**
 * Headers every `/sluice/*` response carries, on both runtimes (the platform
 * app's `send`, the embedded listener's fast paths): `nosniff`, so that a
 * browser never reads a JSON answer (an error echoing a path, a stored
 * payload) as HTML or script.
 */
export const PLATFORM_RESPONSE_HEADERS: Readonly<Record<string, string>> = { 'x-content-type-options': 'nosniff' };

/** `reply` with {@link PLATFORM_RESPONSE_HEADERS} added. */
export function platformReply(reply: HttpReply): HttpReply {
  return { ...reply, headers: { ...reply.headers, ...PLATFORM_RESPONSE_HEADERS } };
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}
