import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import * as z from 'zod';
import { ValidationError } from '../core/errors.js';
import { lineageOfEvents, LINEAGE_LIMITS, walkLineage } from '../core/events/walkLineage.js';
import { DATA_EVENT_LIMITS } from '../core/events/dataEventRules.js';
import type { EventStore } from '../core/ports/EventStore.js';
import type { TaskStore } from '../core/ports/TaskStore.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { jsonReply, methodNotAllowedReply, type HttpReply } from '../http/httpResponses.js';
import { integerParameter, pageLimitParameter } from '../http/queryParameters.js';
import { platformQuery } from './platformQuery.js';

const identity = z.string().min(1).max(1024);

const searchQuery = z
  .object({
    label: z.string().min(1).max(256).optional(),
    source: identity.optional(),
    target: identity.optional(),
    process: z.string().min(1).max(128).optional(),
    taskId: z.string().min(1).max(64).optional(),
    since: z.string().min(1).max(64).optional(),
    until: z.string().min(1).max(64).optional(),
    limit: pageLimitParameter,
    cursor: z.string().min(1).max(4096).optional(),
  })
  .strict();

const lineageQuery = z
  .object({
    node: identity.optional(),
    taskId: z.string().min(1).max(64).optional(),
    direction: z.enum(['upstream', 'downstream', 'both']).default('both'),
    depth: integerParameter(1, LINEAGE_LIMITS.maxDepth).default(LINEAGE_LIMITS.defaultDepth),
  })
  .strict();

/**
 * The data events and the lineage graph they form, under the platform API's
 * authentication:
 *
 * - `GET /sluice/events?label=&source=&target=&process=&taskId=&since=&until=&limit=&cursor=`
 *   → `{ items: DataEvent[], nextCursor? }`, newest first (`limit` 1..100, default 20)
 * - `GET /sluice/events/{eventId}` → the event, 404 when absent or expired
 * - `GET /sluice/lineage?node=<identity>&direction=upstream|downstream|both&depth=N`
 *   (depth 1..10, default 3) or `?taskId=` (what one task read and wrote; 404 when no such task)
 *   → `{ nodes: [{ id }], edges: [{ source, target, label, eventId, taskId, process, createdAt }], truncated? }`
 */
export function mountEventRoutes(app: Hono, options: { events: EventStore; tasks: Pick<TaskStore, 'get'>; send(c: Context, reply: HttpReply): Response }): void {
  const { events, tasks, send } = options;
  
  app.get('/sluice/events', async (c) => {
    const parsed = searchQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    return send(c, jsonReply(200, await events.search(parsed.data)));
  });
  app.all('/sluice/events', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET'])));
  app.get('/sluice/events/:eventId', async (c) => {
    const eventId = c.req.param('eventId');
    const event = eventId.length <= 64 ? await events.get(eventId) : undefined;
    return send(c, event ? jsonReply(200, event) : jsonReply(404, { error: 'NotFound', message: `no event '${eventId.slice(0, 64)}'` }));
  });
  app.all('/sluice/events/:eventId', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET'])));

  app.get('/sluice/lineage', async (c) => {
    const parsed = lineageQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const { node, taskId, direction, depth } = parsed.data;
    if ((node === undefined) === (taskId === undefined)) {
      throw new ValidationError('give either node (a data identity) or taskId', [{ path: node === undefined ? 'node' : 'taskId', message: 'exactly one of node and taskId' }]);
    }
    if (taskId !== undefined) {
      // An unknown (or expired) task is a 404, not an empty graph: a mistyped id must not look like a task that read and wrote nothing.
      if (taskId.length > 64 || !(await tasks.get(taskId))) return send(c, jsonReply(404, { error: 'NotFound', message: `no task '${taskId.slice(0, 64)}'` }));
      // A task publishes at most DATA_EVENT_LIMITS.eventsPerTask events: one page holds them all.
      const page = await events.search({ taskId, limit: Math.min(100, DATA_EVENT_LIMITS.eventsPerTask + 1) });
      return send(c, jsonReply(200, lineageOfEvents(page.items)));
    }
    return send(c, jsonReply(200, await walkLineage(events, { node: node!, direction, depth })));
  });
  app.all('/sluice/lineage', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET'])));
}
