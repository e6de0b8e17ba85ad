import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import * as z from 'zod';
import { UnknownProcessError, ValidationError } from '../core/errors.js';
import type { Clock } from '../core/ports/Clock.js';
import type { TaskStore } from '../core/ports/TaskStore.js';
import { isoInstant, windowOrder } from '../core/task/createdWindow.js';
import { MIN_INSTANT_MS } from '../core/time/parseInstant.js';
import { MAX_COUNT_WINDOW_MS, TASK_STATUSES, TRIGGER_TYPES, type TaskStatus, type TriggerType } from '../core/task/TaskRecord.js';
import { isoTime } from '../core/time/isoTime.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { jsonReply, type HttpReply } from '../http/httpResponses.js';
import { pageLimitParameter } from '../http/queryParameters.js';
import { platformQuery } from './platformQuery.js';

const processName = z.string().min(1).max(128);

const listQuery = z.strictObject({
  process: processName.optional(),
  status: z.enum(TASK_STATUSES as [TaskStatus, ...TaskStatus[]]).optional(),
  trigger: z.enum(TRIGGER_TYPES as [TriggerType, ...TriggerType[]]).optional(),
  since: isoInstant.optional(),
  until: isoInstant.optional(),
  limit: pageLimitParameter,
  cursor: z.string().min(1).max(4096).optional(),
}).superRefine(windowOrder);

const countsQuery = z.strictObject({
  since: isoInstant.optional(),
  until: isoInstant.optional(),
  process: processName.optional(),
}).superRefine(windowOrder);

/** The default window of `GET /sluice/tasks/counts`: the last 24 hours. */
export const DEFAULT_COUNT_WINDOW_MS = 86_400_000;

export interface TaskListRoutesOptions {
  store: TaskStore;
  /** "Now" of the counts' default window. */
  clock: Clock;
  send(c: Context, reply: HttpReply): Response;
  /** The declared processes: a `process` filter naming another is a 404, as `POST /sluice/tasks` answers (not an empty page). */
  processes: ReadonlySet<string>;
}

/**
 * The task reads under `/sluice/tasks` (both runtimes):
 *
 * - `GET /sluice/tasks?process=&status=&trigger=&since=&until=&limit=&cursor=`
 *   → 200 `{ items: TaskSummary[], nextCursor? }`, newest first; every
 *   filter optional and combinable; `trigger` one of `http|api|queue|schedule|event`;
 *   `since` ≤ createdAt < `until`, instants by the one rule of time filters
 *   (`parseInstant`: a date or a time with `Z` or an offset, years 0000-9999
 *   in UTC); a bad value → 400 naming the parameter, a reversed window → 400 naming `until`,
 *   an undeclared `process` → 404 `UnknownProcessError`.
 * - `GET /sluice/tasks/counts?since=&until=&process=` → 200
 *   `{ since, until, items: [{ process, counts: { queued, running, succeeded, failed, timed_out, cancelled } }] }`:
 *   the tasks created in the window by their status now; one item per
 *   process with at least one task in the window, sorted by name (a process
 *   without tasks there has no item: a dashboard shows zeros for the
 *   declared processes `GET /sluice/processes` lists). `until` defaults to
 *   now, `since` to `until` − 24 h; a window wider than 7 days or reversed → 400.
 *
 * Must be mounted before `/sluice/tasks/:taskId`, which would take `counts` for a task id.
 */
export function mountTaskListRoutes(app: Hono, options: TaskListRoutesOptions): void {
  const { store, send } = options;

  app.get('/sluice/tasks', async (c) => {
    const parsed = listQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const query = definedOnly(parsed.data);
    if (query.process !== undefined && !options.processes.has(query.process)) throw new UnknownProcessError(query.process);
    try {
      return send(c, jsonReply(200, await store.list(query)));
    } catch (error) {
      if (query.cursor && error instanceof Error && /cursor/i.test(error.message)) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'invalid' }], { cause: error });
      throw error;
    }
  });

  app.get('/sluice/tasks/counts', async (c) => {
    const parsed = countsQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const until = parsed.data.until ?? isoTime(options.clock.now());
    // Never before year 0000: the default window of an `until` in its first day is shorter, not out of range.
    const since = parsed.data.since ?? isoTime(Math.max(MIN_INSTANT_MS, Date.parse(until) - DEFAULT_COUNT_WINDOW_MS));
    // A reversed window given whole is the schema's issue (at `until`); a `since` alone can still be after the default `until`, now.
    const width = Date.parse(until) - Date.parse(since);
    if (width < 0) throw new ValidationError('invalid query: since is after until', [{ path: 'since', message: `must not be after until (${until}, now when not given)` }]);
    if (width > MAX_COUNT_WINDOW_MS) {
      throw new ValidationError('invalid query: the window is wider than 7 days', [{ path: 'since', message: `the window up to until (${until}) is at most 7 days` }]);
    }
    const { process } = parsed.data;
    if (process !== undefined && !options.processes.has(process)) throw new UnknownProcessError(process);
    const items = await store.countByStatus({ since, until, ...(process !== undefined ? { process } : {}) });
    return send(c, jsonReply(200, { since, until, items }));
  });
}

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
