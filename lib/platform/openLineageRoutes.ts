import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import * as z from 'zod';
import { sluiceErrorKind, ValidationError } from '../core/errors.js';
import { exportOpenLineage } from '../core/openlineage/exportOpenLineage.js';
import type { OpenLineageSource } from '../core/openlineage/runEventsOf.js';
import type { EventStore } from '../core/ports/EventStore.js';
import type { TaskStore } from '../core/ports/TaskStore.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { jsonReply, methodNotAllowedReply, type HttpReply } from '../http/httpResponses.js';
import { pageLimitParameter } from '../http/queryParameters.js';
import { platformQuery } from './platformQuery.js';

const PATH = '/sluice/openlineage/events';

const exportQuery = z
  .object({
    since: z.string().min(1).max(64).optional(),
    limit: pageLimitParameter,
    cursor: z.string().min(1).max(4096).optional(),
  })
  .strict();

export interface OpenLineageRoutesOptions extends OpenLineageSource {
  tasks: TaskStore;
  events: EventStore;
  /** Writes a reply (the platform app's `send`). */
  send(c: Context, reply: HttpReply): Response;
}

/**
 * The OpenLineage export, under the platform API's authentication:
 *
 * - `GET /sluice/openlineage/events?since=&limit=&cursor=` → 200
 *   `{ items: RunEvent[], nextCursor? }`: OpenLineage 2-0-2 run events
 *   (https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent) of
 *   `limit` tasks (1..100, default 20), newest first, each task `START` then
 *   `COMPLETE`/`FAIL`/`ABORT` (see `exportOpenLineage`, `runEventsOf`).
 *   `since` (ISO-8601 with a zone, or a date) keeps tasks created at or after
 *   it (in a query string `+` means a space: write an offset's `+` as `%2B`,
 *   or use `Z`); `cursor` is a previous page's `nextCursor`. A backend that ingests
 *   OpenLineage (Marquez: `POST /api/v1/lineage`) takes each item as is.
 * - other methods → 405.
 *
 * Unknown, repeated or malformed parameters and a malformed cursor are 400s
 * naming the parameter; errors are thrown to the app's `onError` (which maps
 * them with `errorReply`).
 */
export function mountOpenLineageRoutes(app: Hono, options: OpenLineageRoutesOptions): void {
  const { tasks, events, send } = options;
  const source: OpenLineageSource = { namespace: options.namespace, producer: options.producer, ...(options.engineVersion !== undefined ? { engineVersion: options.engineVersion } : {}) };
  app.get(PATH, async (c) => {
    // The query as every route reads it: a repeated key is joined (`limit=2&limit=3` → `2,3`, refused).
    const parsed = exportQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const { since, limit, cursor } = parsed.data;
    try {
      const page = await exportOpenLineage({ tasks, events }, { limit, ...(since !== undefined ? { since } : {}), ...(cursor !== undefined ? { cursor } : {}) }, source);
      return send(c, jsonReply(200, page));
    } catch (error) {
      // A store that reports a bad cursor with its own error (as /sluice/tasks handles it).
      if (cursor && sluiceErrorKind(error) !== 'ValidationError' && error instanceof Error && /cursor/i.test(error.message)) {
        throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor from a previous page' }], { cause: error });
      }
      throw error;
    }
  });
  app.all(PATH, (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET'])));
}
