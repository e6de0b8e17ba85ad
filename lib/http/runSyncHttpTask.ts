import { validateInput } from '../core/process/validateInput.js';
import type { RunnableProcess } from '../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../core/runner/TaskRunner.js';
import { inputOf, type HttpPayload } from '../core/task/Payload.js';
import { newTaskId } from '../core/task/taskIds.js';
import { failureReply } from './failureReply.js';
import { jsonReply, syncReply, type HttpReply } from './httpResponses.js';
import { parseRequestBody } from './parseRequestBody.js';

/**
 * A synchronous request as both edges hand it over: the embedded runtime
 * from node's request and its route table, the AWS runtime from the API
 * Gateway payload 2.0 event. Everything is already decoded by API Gateway's
 * rules (see `requestTarget.ts`).
 */
export interface SyncHttpRequest extends Omit<HttpPayload, 'type' | 'body'> {
  // The payload's fields as the edge decoded them: method upper-case, path and query
  // decoded (repeated query keys joined with `,`), header names lower-case with one value
  // each (repeated headers joined with `,`, cookies with `; `).
  /**
   * Reads the body; called only for methods that carry one.
   * @throws {PayloadTooLargeError} over the limit (the edge knows first: a declared length, the bytes as they stream)
   */
  readBody(): Promise<Uint8Array | string | undefined>;
  /** Lets the body go unread (a GET's body is ignored on both runtimes). */
  discardBody?(): void;
}

export interface SyncHttpContext {
  runner: TaskRunner;
  maxPayloadBytes: number;
  /** Absolute epoch ms by which the invocation must end (Lambda's deadline); none on the embedded runtime. */
  deadlineMs?: number;
  /**
   * Takes a concurrency slot of the function now and returns its release, or
   * throws `ThrottledError` (429) when none is free: like Lambda throttling, a
   * synchronous request never waits, so it never runs past its timeout
   * (embedded runtime; Lambda does this itself on AWS).
   */
  acquire?(): () => void;
  /** Called with the cause of every 500 the reply itself hides, and what failed (`sync task of 'echo'`). */
  onInternalError(error: unknown, what: string): void;
}

/** Methods whose body both runtimes ignore (they carry none by HTTP semantics). */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * The synchronous HTTP pipeline, the one both runtimes run: request → body
 * (parsed by content type, 413/400) → payload → input (the schema, 400) →
 * slot → `runSync` → reply (`syncReply`: 200/custom, 500, 504, with
 * `x-sluice-task-id`). The edges only adapt their transport to
 * {@link SyncHttpRequest} and write the {@link HttpReply} back.
 *
 * Never throws: bad input is a 4xx JSON error, anything else a 500 that
 * leaks nothing (its cause goes to `onInternalError`); a client that
 * disconnected is not logged.
 */
export async function runSyncHttpTask(process: RunnableProcess, request: SyncHttpRequest, ctx: SyncHttpContext): Promise<HttpReply> {
  try {
    let raw: Uint8Array | string | undefined;
    if (BODYLESS.has(request.method)) request.discardBody?.();
    else raw = await request.readBody();
    const release = ctx.acquire ? ctx.acquire() : undefined;
    try {
      const payload = httpPayloadOf(request, raw, ctx.maxPayloadBytes);
      const input = validateInput(process.definition.input, inputOf(payload));
      const { record, outcome } = await ctx.runner.runSync(process, {
        taskId: newTaskId(),
        trigger: { type: 'http', method: payload.method, path: payload.path, route: payload.route },
        payload,
        input,
        ...(ctx.deadlineMs !== undefined ? { deadlineMs: ctx.deadlineMs } : {}),
      });
      return syncReply(record, outcome.response);
    } finally {
      release?.();
    }
  } catch (error) {
    return failureReply(error, ctx.onInternalError, `sync task of '${process.name}'`);
  }
}

/**
 * The {@link HttpPayload} a process sees for a request and its body bytes.
 *
 * @throws {PayloadTooLargeError} body over `maxBytes`
 * @throws {MalformedInputError} body not valid for its content type (or JSON nested too deep)
 */
export function httpPayloadOf(request: SyncHttpRequest, raw: Uint8Array | string | undefined, maxBytes: number): HttpPayload {
  return {
    type: 'http',
    method: request.method,
    path: request.path,
    route: request.route,
    pathParameters: request.pathParameters,
    query: request.query,
    headers: request.headers,
    body: parseRequestBody(raw, request.headers['content-type'], maxBytes),
    ...(request.auth ? { auth: request.auth } : {}),
  };
}

export interface AsyncHttpContext {
  submit(payload: HttpPayload): Promise<{ taskId: string }>;
  maxPayloadBytes: number;
  onInternalError(error: unknown, what: string): void;
}

/**
 * The async HTTP pipeline (a runtime `http` trigger with `mode: async`,
 * LOC's async API route): request → body → payload → queued task (input
 * validated, 400) → 202 `{ taskId, status: "queued" }` with `Location:
 * /sluice/tasks/{taskId}` to poll. Never throws (see {@link runSyncHttpTask}).
 */
export async function runAsyncHttpTask(process: Pick<RunnableProcess, 'name'>, request: SyncHttpRequest, ctx: AsyncHttpContext): Promise<HttpReply> {
  try {
    let raw: Uint8Array | string | undefined;
    if (BODYLESS.has(request.method)) request.discardBody?.();
    else raw = await request.readBody();
    const { taskId } = await ctx.submit(httpPayloadOf(request, raw, ctx.maxPayloadBytes));
    return jsonReply(202, { taskId, status: 'queued' }, { location: `/sluice/tasks/${taskId}`, 'x-sluice-task-id': taskId });
  } catch (error) {
    return failureReply(error, ctx.onInternalError, `async task of '${process.name}'`);
  }
}
