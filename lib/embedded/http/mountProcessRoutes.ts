import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { HttpRouteManifest } from '../../config/ServiceManifest.js';
import { PayloadTooLargeError, ShuttingDownError } from '../../core/errors.js';
import { validateInput } from '../../core/process/validateInput.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import { inputOf, type HttpPayload } from '../../core/task/Payload.js';
import { newTaskId } from '../../core/task/taskIds.js';
import { errorReply, syncReply, type HttpReply } from '../../http/httpResponses.js';
import { parseRequestBody } from '../../http/parseRequestBody.js';
import type { Semaphore } from '../runtime/Semaphore.js';

export interface RoutedProcess {
  process: RunnableProcess;
  routes: readonly HttpRouteManifest[];
  slots: Semaphore;
}

export interface ProcessRouteOptions {
  runner: TaskRunner;
  maxPayloadBytes: number;
  isStopping(): boolean;
  /** Called with the cause of every 500 (the reply itself hides it). */
  onInternalError?(error: unknown, process: string): void;
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Serves the `httpApi` routes of every process as synchronous tasks, with
 * API Gateway's matching rules: the most specific route wins (static
 * segments before `{param}` before `{proxy+}`), whatever the declaration
 * order; a path that exists with another method answers 405.
 */
export function mountProcessRoutes(app: Hono, processes: readonly RoutedProcess[], options: ProcessRouteOptions): void {
  const routes = processes.flatMap((p) => p.routes.map((route) => ({ route, target: p })));
  routes.sort((a, b) => compareSpecificity(a.route.path, b.route.path));
  const limit = bodyLimit({
    maxSize: options.maxPayloadBytes,
    onError: (c) => send(c, errorReply(new PayloadTooLargeError(Number(c.req.header('content-length') ?? options.maxPayloadBytes + 1), options.maxPayloadBytes))),
  });

  const methodsByPath = new Map<string, Set<string>>();
  for (const { route, target } of routes) {
    const path = toHonoPath(route.path);
    const handler = syncHandler(route, target, options);
    if (route.method === 'ANY') app.all(path, limit, handler);
    else app.on(route.method, path, limit, handler);
    const methods = methodsByPath.get(path) ?? new Set<string>();
    methods.add(route.method);
    methodsByPath.set(path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    if (methods.has('ANY')) continue;
    const allowed = [...methods].sort().join(', ');
    app.all(path, (c) =>
      c.body(JSON.stringify({ error: 'MethodNotAllowed', message: `${c.req.method} is not allowed on ${c.req.path}; use ${allowed}` }), 405, {
        'content-type': 'application/json; charset=utf-8',
        allow: allowed,
      }),
    );
  }
}

function syncHandler(route: HttpRouteManifest, target: RoutedProcess, options: ProcessRouteOptions) {
  return async (c: Context) => {
    try {
      if (options.isStopping()) throw new ShuttingDownError('the runtime is shutting down');
      const release = await target.slots.acquire();
      try {
        const method = c.req.method;
        const raw = BODYLESS.has(method) ? undefined : new Uint8Array(await c.req.arrayBuffer());
        const payload: HttpPayload = {
          type: 'http',
          method,
          path: c.req.path,
          route: route.path,
          pathParameters: c.req.param() as Record<string, string>,
          query: joinedQuery(c.req.queries()),
          headers: c.req.header(),
          body: parseRequestBody(raw, c.req.header('content-type'), options.maxPayloadBytes),
        };
        const input = validateInput(target.process.definition.input, inputOf(payload));
        const { record, outcome } = await options.runner.runSync(target.process, {
          taskId: newTaskId(),
          trigger: { type: 'http', method, path: payload.path, route: route.path },
          payload,
          input,
        });
        return send(c, syncReply(record, outcome.response));
      } finally {
        release();
      }
    } catch (error) {
      const reply = errorReply(error);
      if (reply.status >= 500) options.onInternalError?.(error, target.process.name);
      return send(c, reply);
    }
  };
}

function send(c: Context, reply: HttpReply): Response {
  return c.body(reply.body, reply.status as never, reply.headers);
}

/** API Gateway v2 joins repeated query parameters with commas. */
function joinedQuery(queries: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(queries)) out[key] = values.join(',');
  return out;
}

/** `/files/{proxy+}` -> `/files/:proxy{.+}`; `/a/{id}` -> `/a/:id`. */
export function toHonoPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\+\}/g, ':$1{.+}').replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function segmentRank(segment: string): number {
  if (/^\{[^}]+\+\}$/.test(segment)) return 2;
  if (/^\{[^}]+\}$/.test(segment)) return 1;
  return 0;
}

/** Static segments sort before parameters, parameters before greedy ones, segment by segment. */
export function compareSpecificity(a: string, b: string): number {
  const sa = a.split('/').filter(Boolean);
  const sb = b.split('/').filter(Boolean);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const ra = i < sa.length ? segmentRank(sa[i]!) : -1;
    const rb = i < sb.length ? segmentRank(sb[i]!) : -1;
    if (ra !== rb) return ra === -1 ? 1 : rb === -1 ? -1 : ra - rb;
  }
  return 0;
}
