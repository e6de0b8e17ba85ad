import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HttpRouteManifest } from '../../config/ServiceManifest.js';
import { PayloadTooLargeError, ShuttingDownError } from '../../core/errors.js';
import { validateInput } from '../../core/process/validateInput.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import { inputOf, type HttpPayload } from '../../core/task/Payload.js';
import { newTaskId } from '../../core/task/taskIds.js';
import { errorReply, methodNotAllowedReply, notFoundReply, syncReply, type HttpReply } from '../../http/httpResponses.js';
import { decodeComponent, decodePath } from '../../http/percentDecoding.js';
import { parseRequestBody } from '../../http/parseRequestBody.js';
import type { Semaphore } from '../runtime/Semaphore.js';
import { ProcessRouteTable } from './ProcessRouteTable.js';
import type { PlatformIngest } from '../../platform/PlatformIngest.js';

export interface RoutedProcess {
  process: RunnableProcess;
  routes: readonly HttpRouteManifest[];
  slots: Semaphore;
}

export interface HttpListenerOptions {
  processes: readonly RoutedProcess[];
  runner: TaskRunner;
  maxPayloadBytes: number;
  isStopping(): boolean;
  /** Serves `/sluice/*` (the platform API, a Hono app). */
  platform: RequestListener;
  /**
   * The platform's ingestion routes, served here directly too (they are hot
   * under load); the Hono app uses the same object for the same routes.
   */
  ingest?: PlatformIngest;
  /** Called with the cause of every 500 (the reply itself hides it). */
  onInternalError?(error: unknown, process: string): void;
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * The embedded runtime's `node:http` listener. `/sluice/*` goes to the
 * platform API; every other path is a process route, served here directly
 * on node's request and response: the hot path of a sync task builds no
 * Web `Request`/`Response` (that adaptation cost a third of a trivial
 * request's time when measured with Hono's node adapter).
 */
export function createHttpListener(options: HttpListenerOptions): RequestListener {
  const table = new ProcessRouteTable(options.processes.flatMap((p) => p.routes.map((route) => ({ route, target: p }))));
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    if (rawPath === '/sluice' || rawPath.startsWith('/sluice/')) {
      const { ingest } = options;
      if (ingest && method === 'POST') {
        if (rawPath === '/sluice/tasks') {
          return void serveIngest(req, res, ingest, (raw) => ingest.submitTask(raw, headerValue(req, 'idempotency-key')), options);
        }
        const queue = QUEUE_MESSAGES.exec(rawPath)?.[1];
        if (queue !== undefined) {
          const delay = rawQuery === '' ? undefined : (new URLSearchParams(rawQuery).get('delaySeconds') ?? undefined);
          return void serveIngest(req, res, ingest, (raw) => ingest.sendMessage(decodeComponent(queue), raw, flattenHeaders(req.headers), delay), options);
        }
      }
      return options.platform(req, res);
    }
    const match = table.match(method, rawPath);
    switch (match.kind) {
      case 'route':
        void serveSync(req, res, { ...match, method, rawPath, rawQuery }, options);
        return;
      case 'method-not-allowed':
        req.resume();
        return write(res, methodNotAllowedReply(method, rawPath, match.allow));
      case 'not-found':
        req.resume();
        return write(res, notFoundReply(method, rawPath));
    }
  };
}

interface SyncRequest {
  target: RoutedProcess;
  route: HttpRouteManifest;
  pathParameters: Record<string, string>;
  method: string;
  rawPath: string;
  rawQuery: string;
}

async function serveSync(req: IncomingMessage, res: ServerResponse, request: SyncRequest, options: HttpListenerOptions): Promise<void> {
  const { target, route, method } = request;
  let reply: HttpReply;
  try {
    if (options.isStopping()) throw new ShuttingDownError('the runtime is shutting down');
    const raw = BODYLESS.has(method) ? (req.resume(), undefined) : await readBody(req, options.maxPayloadBytes);
    const release = target.slots.acquireNow(target.process.name); // throttled at once (429), like Lambda
    try {
      const payload: HttpPayload = {
        type: 'http',
        method,
        path: decodePath(request.rawPath),
        route: route.path,
        pathParameters: request.pathParameters,
        query: parseQuery(request.rawQuery),
        headers: flattenHeaders(req.headers),
        body: parseRequestBody(raw, req.headers['content-type'], options.maxPayloadBytes),
      };
      const input = validateInput(target.process.definition.input, inputOf(payload));
      const { record, outcome } = await options.runner.runSync(target.process, {
        taskId: newTaskId(),
        trigger: { type: 'http', method, path: payload.path, route: route.path },
        payload,
        input,
      });
      reply = syncReply(record, outcome.response);
    } finally {
      release();
    }
  } catch (error) {
    reply = failureReply(error, options, target.process.name);
  }
  write(res, reply);
}

const QUEUE_MESSAGES = /^\/sluice\/queues\/([^/]+)\/messages$/;

async function serveIngest(
  req: IncomingMessage,
  res: ServerResponse,
  ingest: PlatformIngest,
  handle: (raw: Uint8Array) => Promise<HttpReply>,
  options: HttpListenerOptions,
): Promise<void> {
  let reply: HttpReply;
  try {
    const denied = ingest.authenticate(headerValue(req, 'authorization'));
    if (denied) {
      req.resume();
      reply = denied;
    } else {
      reply = await handle(await readBody(req, options.maxPayloadBytes));
    }
  } catch (error) {
    reply = failureReply(error, options, 'sluice platform');
  }
  write(res, reply);
}

/**
 * The reply to a request that failed around its work: a 500's cause goes to
 * the runtime's log; after an oversized body the connection is closed (the
 * rest of that body was not read).
 */
function failureReply(error: unknown, options: HttpListenerOptions, where: string): HttpReply {
  const reply = errorReply(error);
  if (reply.status >= 500) options.onInternalError?.(error, where);
  if (error instanceof PayloadTooLargeError) reply.headers.connection = 'close';
  return reply;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function write(res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

/** Reads the body, refusing more than `limit` bytes (by Content-Length first, then as it streams). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(declared, limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new PayloadTooLargeError(size, limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => failed || resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', (error) => failed || ((failed = true), reject(error)));
  });
}

/** Header names are lower-case already; repeated headers become one comma-joined value. */
function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** API Gateway v2 joins repeated query parameters with commas. */
function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === '') return out;
  for (const [key, value] of new URLSearchParams(raw)) out[key] = key in out ? `${out[key]},${value}` : value;
  return out;
}

