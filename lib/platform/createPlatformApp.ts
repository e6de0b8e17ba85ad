import { specAuthorizerOf } from '../config/staticTriggersOf.js';
import type { Context } from 'hono';
// hono/tiny: the smallest router (a handful of routes here), for the Lambda bundle size.
import { Hono } from 'hono/tiny';
import * as z from 'zod';
import { PayloadTooLargeError } from '../core/errors.js';
import type { TaskStore } from '../core/ports/TaskStore.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { pageLimitParameter } from '../http/queryParameters.js';
import { errorReply, jsonReply, methodNotAllowedReply, notFoundReply, PLATFORM_RESPONSE_HEADERS, type HttpReply } from '../http/httpResponses.js';
import { platformQuery } from './platformQuery.js';
import { PlatformIngest, type PlatformIngestOptions } from './PlatformIngest.js';
import type { PlatformProcess } from './PlatformProcess.js';
import type { QueueConsole } from './QueueConsole.js';
import type { KeyValueStore } from '../core/agents/KeyValueStore.js';
import { mountKvRoutes } from './kvRoutes.js';
import { mountEventRoutes } from './eventRoutes.js';
import { mountTriggerRoutes, type TriggerRoutesOptions } from './triggerRoutes.js';
import { mountOpenLineageRoutes } from './openLineageRoutes.js';
import type { OpenLineageSource } from '../core/openlineage/runEventsOf.js';
import { mountTaskControlRoutes, withTasks } from './taskControlRoutes.js';
import type { TaskControl } from '../core/control/TaskControl.js';
import type { EventStore } from '../core/ports/EventStore.js';
import type { Clock } from '../core/ports/Clock.js';
import { systemClock } from '../core/time/systemClock.js';
import { mountTaskListRoutes } from './taskListRoutes.js';
import type { DashboardAssets } from './DashboardAssets.js';
import { mountDashboardRedirect, mountDashboardRoutes } from './dashboardRoutes.js';

export interface PlatformAppOptions extends PlatformIngestOptions {
  store: TaskStore;
  /** Called with the cause of every 500 (the reply itself hides it). */
  onInternalError?(error: unknown, request: { method: string; path: string }): void;
  /** The ingestion routes' implementation, when the caller shares it with another edge. */
  ingest?: PlatformIngest;
  /** The key-value store, for `/sluice/kv` (not mounted without one). */
  kv?: KeyValueStore;
  /** The data events, for `/sluice/events` and `/sluice/lineage` (not mounted without them). */
  events?: EventStore;
  /** Who the OpenLineage export names as job namespace and producer; with `events`, mounts `/sluice/openlineage/events`. */
  openLineage?: OpenLineageSource;
  /** The trigger registry, for `/sluice/triggers` (not mounted without it). */
  triggers?: Omit<TriggerRoutesOptions, 'send' | 'maxPayloadBytes'>;
  /** "Now" for the default window of `GET /sluice/tasks/counts`. @default systemClock */
  clock?: Clock;
  /** Cancel and replay (`/sluice/tasks/{id}/cancel`, `/replay`, `/sluice/tasks/replay`, a dead letter's replay); not mounted without it. */
  control?: TaskControl;
  /** The dashboard's static files, served without authentication at `/sluice/ui` (not mounted without them). */
  dashboard?: DashboardAssets;
  /**
   * Instead of `dashboard`: the dashboard lives on another origin (the embedded
   * runtime's dashboard listener), and `/sluice/ui` redirects (308) to this
   * port on the same host; 404 while it returns undefined (the dashboard is off).
   */
  dashboardElsewhere?: () => number | undefined;
}

const peekQuery = z.object({ limit: pageLimitParameter, cursor: z.string().min(1).max(4096).optional() }).strict();

/**
 * The platform API under the reserved prefix `/sluice`, identical on both
 * runtimes: the embedded server mounts it, and on AWS a Lambda serves it
 * through Hono's API Gateway adapter.
 */
export function createPlatformApp(options: PlatformAppOptions): Hono {
  const app = new Hono();
  const ingest = options.ingest ?? new PlatformIngest(options);
  // A 204 / 304 has no body: the Fetch Response (undici, as on Lambda) refuses even an empty one.
  // Every route group answers through it (and the 405s below): the one place the platform headers (nosniff) go on.
  const send = (c: Context, reply: HttpReply) =>
    c.body((reply.status === 204 || reply.status === 304 ? null : reply.body) as string, reply.status as never, { ...reply.headers, ...PLATFORM_RESPONSE_HEADERS });

  app.onError((error, c) => {
    const reply = errorReply(error);
    if (reply.status >= 500) options.onInternalError?.(error, { method: c.req.method, path: c.req.path });
    return send(c, reply);
  });
  app.notFound((c) => send(c, notFoundReply(c.req.method, c.req.path)));

  app.get('/sluice/health', (c) => send(c, jsonReply(200, { status: 'ok' })));
  app.all('/sluice/health', (c) => methodNotAllowed(c, ['GET']));

  // Before the authentication: the dashboard's files hold no data (its API calls carry the token).
  if (options.dashboard) mountDashboardRoutes(app, options.dashboard);
  else if (options.dashboardElsewhere) mountDashboardRedirect(app, options.dashboardElsewhere);

  app.use('/sluice/*', async (c, next) => {
    const denied = ingest.authenticate(c.req.header('authorization'));
    if (denied) return send(c, denied);
    return next();
  });
  // Refuse a declared oversize body before reading it; PlatformIngest checks the bytes read too.
  const limit = async (c: Context, next: () => Promise<void>) => {
    const declared = Number(c.req.header('content-length'));
    if (declared > options.maxPayloadBytes) throw new PayloadTooLargeError(declared, options.maxPayloadBytes);
    await next();
  };

  if (options.kv) mountKvRoutes(app, { kv: options.kv, maxPayloadBytes: options.maxPayloadBytes, send });
  if (options.events) mountEventRoutes(app, { events: options.events, tasks: options.store, send });
  if (options.triggers) mountTriggerRoutes(app, { ...options.triggers, maxPayloadBytes: options.maxPayloadBytes, send });
  if (options.events && options.openLineage) mountOpenLineageRoutes(app, { ...options.openLineage, tasks: options.store, events: options.events, send });

  app.get('/sluice/processes', (c) => send(c, jsonReply(200, { items: options.processes.map(describeProcess) })));
  app.all('/sluice/processes', (c) => methodNotAllowed(c, ['GET']));

  app.post('/sluice/tasks', limit, async (c) => send(c, await ingest.submitTask(new Uint8Array(await c.req.arrayBuffer()), c.req.header('idempotency-key'))));
  // GET /sluice/tasks and /sluice/tasks/counts, the latter before /sluice/tasks/:taskId takes it.
  mountTaskListRoutes(app, { store: options.store, clock: options.clock ?? systemClock, send, processes: new Set(options.processes.map((p) => p.name)) });
  app.all('/sluice/tasks', (c) => methodNotAllowed(c, ['GET', 'POST']));
  app.all('/sluice/tasks/counts', (c) => methodNotAllowed(c, ['GET']));
  if (options.control) {
    mountTaskControlRoutes(app, { control: options.control, store: options.store, maxPayloadBytes: options.maxPayloadBytes, send, ...(options.queues ? { queues: options.queues } : {}) });
  }

  app.get('/sluice/tasks/:taskId', async (c) => {
    const record = await options.store.get(c.req.param('taskId'));
    if (!record) return send(c, jsonReply(404, { error: 'NotFound', message: `no task '${c.req.param('taskId')}'` }));
    return send(c, jsonReply(200, record));
  });
  app.all('/sluice/tasks/:taskId', (c) => methodNotAllowed(c, ['GET']));

  if (options.queues) mountQueueConsole(app, options.queues, options.store, ingest, limit, send);
  return app;
}

function mountQueueConsole(
  app: Hono,
  queues: QueueConsole,
  store: TaskStore,
  ingest: PlatformIngest,
  limit: (c: Context, next: () => Promise<void>) => Promise<void>,
  send: (c: Context, reply: HttpReply) => Response,
): void {
  app.get('/sluice/queues', async (c) => send(c, jsonReply(200, { items: await queues.list() })));
  app.all('/sluice/queues', (c) => methodNotAllowed(c, ['GET']));

  app.post('/sluice/queues/:queue/messages', limit, async (c) =>
    send(c, await ingest.sendMessage(c.req.param('queue')!, new Uint8Array(await c.req.arrayBuffer()), c.req.header(), platformQuery(c).delaySeconds)),
  );
  app.get('/sluice/queues/:queue/messages', async (c) => {
    const parsed = peekQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const page = await queues.peek(c.req.param('queue'), parsed.data);
    // Each message with its task (status, error, attempts): what a dead letter is about.
    return send(c, jsonReply(200, { ...page, items: await withTasks(store, page.items) }));
  });
  app.all('/sluice/queues/:queue/messages', (c) => methodNotAllowed(c, ['GET', 'POST']));

  app.post('/sluice/queues/:queue/redrive', async (c) => send(c, jsonReply(200, await queues.redrive(c.req.param('queue')))));
  app.all('/sluice/queues/:queue/redrive', (c) => methodNotAllowed(c, ['POST']));

  // SQS PurgeQueue's semantics: every message goes (the tasks' records stay); 404 for an undeclared queue.
  app.post('/sluice/queues/:queue/purge', async (c) => send(c, jsonReply(200, await queues.purge(c.req.param('queue')!))));
  app.all('/sluice/queues/:queue/purge', (c) => methodNotAllowed(c, ['POST']));
}

function methodNotAllowed(c: Context, allowed: string[]): Response {
  const reply = methodNotAllowedReply(c.req.method, c.req.path, allowed);
  return c.body(reply.body, 405, { ...reply.headers, ...PLATFORM_RESPONSE_HEADERS });
}

function describeProcess(p: PlatformProcess) {
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    timeoutSeconds: p.timeoutSeconds,
    async: p.taskQueue !== undefined,
    ...(p.railway ? { railway: p.railway } : {}),
    triggers: {
      http: p.http.map((r) => ({ method: r.method, path: r.path, ...(r.authorizer !== undefined ? { authorizer: specAuthorizerOf(r.authorizer) } : {}) })),
      queues: p.queues.map((q) => ({ queue: q.queue, batchSize: q.batchSize, enabled: q.enabled })),
      schedules: p.schedules.map((s) => ({ rule: s.rule, expression: s.expression, enabled: s.enabled })),
      events: (p.subscriptions ?? []).map(({ label, source, target }) => ({ label, ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}) })),
    },
  };
}
