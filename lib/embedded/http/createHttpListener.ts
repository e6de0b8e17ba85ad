import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import type { HttpRouteManifest } from '../../config/ServiceManifest.js';
import { PayloadTooLargeError, ShuttingDownError } from '../../core/errors.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import { ClientDisconnectedError } from '../../http/ClientDisconnectedError.js';
import { failureReply } from '../../http/failureReply.js';
import { errorReply, platformReply, routeNotFoundReply, type HttpReply } from '../../http/httpResponses.js';
import { decodeRequestPath, parseQueryString, splitRequestTarget } from '../../http/requestTarget.js';
import { runAsyncHttpTask, runSyncHttpTask, type SyncHttpContext, type SyncHttpRequest } from '../../http/runSyncHttpTask.js';
import type { RouteAuthorizers } from './RouteAuthorizers.js';
import type { HttpPayload } from '../../core/task/Payload.js';
import type { PlatformIngest } from '../../platform/PlatformIngest.js';
import type { Semaphore } from '../runtime/Semaphore.js';
import { ProcessRouteTable } from '../../http/ProcessRouteTable.js';

export interface RoutedProcess {
  process: RunnableProcess;
  routes: readonly HttpRouteManifest[];
  slots: Semaphore;
}

/** What a route leads to: a process, run now (`sync`) or queued (`async`: 202 and a task id). */
export interface RouteTarget {
  routed: RoutedProcess;
  mode: 'sync' | 'async';
}

/** The routes in force: swapped whole when the trigger registry changes (effective on the next request). */
export interface RouteTableRef {
  current: ProcessRouteTable<RouteTarget>;
}

export interface HttpListenerOptions {
  processes: readonly RoutedProcess[];
  /** The live route table (the trigger registry's); default: the processes' declared routes, fixed. */
  routes?: RouteTableRef;
  /** Enforces the routes' `authorizer`s (JWT, Lambda, IAM) as API Gateway would. */
  authorizers?: RouteAuthorizers;
  /** Queues the task of an async route (see `submitHttpTask`). */
  submitAsync?(routed: RoutedProcess, payload: HttpPayload): Promise<{ taskId: string }>;
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
  /**
   * Called with the cause of every 500 (the reply itself hides it) and what
   * failed: `sync task of 'echo'`, `POST /sluice/tasks`. Client disconnects
   * are not failures and are not reported.
   */
  onInternalError?(error: unknown, what: string): void;
}

const QUEUE_MESSAGES = /^\/sluice\/queues\/([^/]+)\/messages$/;
/** Methods whose body both runtimes ignore (as `runSyncHttpTask` does). */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * The embedded runtime's `node:http` listener, a thin edge: it decodes the
 * request target by API Gateway's rules (`requestTarget.ts`), sends
 * `/sluice/*` to the platform API and every other path through the route
 * table to the shared sync pipeline ({@link runSyncHttpTask}), on node's
 * request and response directly: the hot path builds no Web
 * `Request`/`Response` (that adaptation cost a third of a trivial request's
 * time when measured with Hono's node adapter).
 */
export function createHttpListener(options: HttpListenerOptions): RequestListener {
  const routes: RouteTableRef = options.routes ?? {
    current: new ProcessRouteTable(options.processes.flatMap((p) => p.routes.map((route) => ({ route, target: { routed: p, mode: 'sync' as const } })))),
  };
  const log = options.onInternalError;
  // One pipeline context per function, built once: nothing per request beyond the request itself.
  const contexts = new Map<RoutedProcess, SyncHttpContext>(
    options.processes.map((p) => [
      p,
      { runner: options.runner, maxPayloadBytes: options.maxPayloadBytes, acquire: () => p.slots.acquireNow(p.process.name), onInternalError: (e, what) => log?.(e, what) },
    ]),
  );
  return (req, res) => {
    const method = req.method ?? 'GET';
    const { rawPath, rawQuery } = splitRequestTarget(req.url ?? '/');
    let path: string;
    try {
      path = decodeRequestPath(rawPath);
    } catch (error) {
      req.resume();
      return write(res, failureReply(error, log, `${method} ${rawPath}`));
    }
    // Decoded first, as API Gateway routes: `/%73luice/tasks` is the platform API too.
    if (path === '/sluice' || path.startsWith('/sluice/')) {
      const { ingest } = options;
      if (ingest && method === 'POST') {
        if (path === '/sluice/tasks') {
          return void serveIngest(req, res, ingest, (raw) => ingest.submitTask(raw, headerValue(req, 'idempotency-key')), options, `POST ${path}`);
        }
        const queue = QUEUE_MESSAGES.exec(path)?.[1];
        if (queue !== undefined) {
          const delay = parseQueryString(rawQuery).delaySeconds;
          return void serveIngest(req, res, ingest, (raw) => ingest.sendMessage(queue, raw, requestHeaders(req), delay), options, `POST ${path}`);
        }
      }
      return options.platform(req, res);
    }
    const match = routes.current.match(method, path);
    if (match.kind === 'not-found') {
      req.resume();
      return write(res, routeNotFoundReply());
    }
    if (options.isStopping()) {
      req.resume();
      return write(res, failureReply(new ShuttingDownError('the runtime is shutting down'), log, `${method} ${path}`));
    }
    const { routed, mode } = match.target;
    const request: SyncHttpRequest = {
      method,
      path,
      route: match.route.path,
      pathParameters: match.pathParameters,
      query: parseQueryString(rawQuery),
      headers: requestHeaders(req),
      readBody: () => readBody(req, options.maxPayloadBytes),
      discardBody: () => req.resume(),
    };
    const { submitAsync } = options;
    const run = (): Promise<HttpReply> =>
      mode === 'async' && submitAsync
        ? runAsyncHttpTask(routed.process, request, { submit: (payload) => submitAsync(routed, payload), maxPayloadBytes: options.maxPayloadBytes, onInternalError: (e, what) => log?.(e, what) })
        : runSyncHttpTask(routed.process, request, contexts.get(routed)!);
    const { authorizer } = match.route;
    if (!authorizer || !options.authorizers) return void run().then((reply) => write(res, reply));
    const authorizers = options.authorizers;
    void (async (): Promise<HttpReply> => {
      // SigV4 signs the body: an IAM route reads it before deciding (and hands the same bytes on).
      let body: Uint8Array | undefined;
      if (authorizer.kind === 'iam' && !BODYLESS_METHODS.has(method)) {
        body = await readBody(req, options.maxPayloadBytes);
        const read = body;
        request.readBody = async () => read;
      }
      const decision = await authorizers.authorize(authorizer, {
        method,
        routeKey: `${match.route.method} ${match.route.path}`,
        rawPath,
        rawQuery,
        path,
        headers: request.headers,
        query: request.query,
        pathParameters: request.pathParameters,
        host: headerValue(req, 'host') ?? '',
        ...(body ? { body } : {}),
      });
      if (!decision.ok) {
        req.resume();
        return decision.reply;
      }
      request.auth = decision.auth;
      return run();
    })()
      .catch((error: unknown) => failureReply(error, log, `${method} ${path}`))
      .then((reply) => write(res, reply));
  };
}

async function serveIngest(
  req: IncomingMessage,
  res: ServerResponse,
  ingest: PlatformIngest,
  handle: (raw: Uint8Array) => Promise<HttpReply>,
  options: HttpListenerOptions,
  what: string,
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
    reply = failureReply(error, options.onInternalError, what);
  }
  // The platform app's headers, as its own answers carry them.
  write(res, platformReply(reply));
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Writes a reply. Cookies go out as one `Set-Cookie` line each. After a 413
 * the connection is closed: the rest of that body was not read.
 */
function write(res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: OutgoingHttpHeaders = { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) };
  if (reply.cookies && reply.cookies.length > 0) headers['set-cookie'] = reply.cookies;
  if (reply.status === 413) headers.connection = 'close';
  try {
    res.writeHead(reply.status, headers);
  } catch (error) {
    // A header node refuses (ctx.response checks values, so this is a bug, not input):
    // answer 500 rather than let the throw escape the listener and end the runtime.
    const failure = errorReply(error);
    res.writeHead(500, { ...failure.headers, 'content-length': Buffer.byteLength(failure.body) });
    res.end(failure.body);
    return;
  }
  res.end(reply.body);
}

/**
 * Reads the body, refusing more than `limit` bytes: by Content-Length first,
 * then as it streams (a chunked body declares none).
 *
 * @throws {PayloadTooLargeError} over the limit
 * @throws {ClientDisconnectedError} the client went away before the end
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(declared, limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) return fail(new PayloadTooLargeError(size, limit));
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (cause) => fail(new ClientDisconnectedError('the client disconnected before sending the whole body', { cause })));
    req.on('close', () => {
      if (!req.complete) fail(new ClientDisconnectedError('the client disconnected before sending the whole body'));
    });
  });
}

/**
 * Request headers as API Gateway hands them to a payload 2.0 integration:
 * lower-case names, one value each, a repeated header's values joined with
 * `,` (cookies with `; `, as one Cookie header).
 */
function requestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined) out[name] = values.join(name === 'cookie' ? '; ' : ',');
  }
  return out;
}
