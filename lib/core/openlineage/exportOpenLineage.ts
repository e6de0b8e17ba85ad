import type { DataEvent } from '../events/DataEvent.js';
import { ValidationError } from '../errors.js';
import { assertPageLimit } from '../pageLimit.js';
import type { EventStore } from '../ports/EventStore.js';
import type { TaskStore } from '../ports/TaskStore.js';
import { isTerminal, type TaskSummary } from '../task/TaskRecord.js';
import { parseInstant } from '../time/parseInstant.js';
import type { OpenLineageRunEvent } from './OpenLineageRunEvent.js';
import { runEventsOf, type OpenLineageSource } from './runEventsOf.js';

export interface OpenLineageExportQuery {
  /** ISO-8601: only tasks created at or after this instant. */
  since?: string;
  /** Tasks per page (not events), 1..100. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface OpenLineageExportPage {
  /** Run events, task by task newest first; each task's in run order (`START` first). */
  items: OpenLineageRunEvent[];
  /** Present while older tasks remain (and `since` was not reached). */
  nextCursor?: string;
}

/** Event searches in flight at once while a page is built. */
const EVENT_READS_IN_FLIGHT = 8;

/**
 * One page of the OpenLineage export (`GET /sluice/openlineage/events`):
 * `limit` tasks from the task list (newest first, `TaskStore.list`), each as
 * its run events ({@link runEventsOf}) with the data events it published
 * (`EventStore.search` by task id; only finished tasks have any).
 *
 * The cursor is the task list's, so pages are as stable as the list: a task
 * created after the first page is not in later ones. `since` bounds the walk
 * by creation time: the first task created before it ends the export (no
 * `nextCursor`); a full page cannot see that the next task is older, so its
 * cursor may lead to an empty last page. A page can hold fewer events than
 * tasks: a queued task has none.
 *
 * @throws {ValidationError} `since` not an ISO-8601 instant (path `since`), `limit` outside 1..100 (path `limit`), a malformed cursor (path `cursor`, from the store)
 */
export async function exportOpenLineage(
  stores: { tasks: TaskStore; events: EventStore },
  query: OpenLineageExportQuery,
  source: OpenLineageSource,
): Promise<OpenLineageExportPage> {
  assertPageLimit(query.limit, 'OpenLineage export');
  const since = query.since === undefined ? undefined : parseSince(query.since);
  const page = await stores.tasks.list({ limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
  const tasks: TaskSummary[] = [];
  let reachedSince = false;
  for (const task of page.items) {
    if (since !== undefined && task.createdAt < since) {
      reachedSince = true;
      break;
    }
    tasks.push(task);
  }
  const eventsByTask = await mapInFlight(tasks, EVENT_READS_IN_FLIGHT, (task) => publishedEvents(stores.events, task));
  const items = tasks.flatMap((task, i) => runEventsOf(task, eventsByTask[i]!, source));
  return !reachedSince && page.nextCursor !== undefined ? { items, nextCursor: page.nextCursor } : { items };
}

/** A task's events: published with its final record only, so none before; at most 99 (`DATA_EVENT_LIMITS.eventsPerTask`), read to the end anyway. */
async function publishedEvents(events: EventStore, task: TaskSummary): Promise<DataEvent[]> {
  if (!isTerminal(task.status)) return [];
  const out: DataEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await events.search({ taskId: task.taskId, limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

/** `since` as stored times are written (UTC, milliseconds), so that it compares with `createdAt` as a string: the one rule of time filters. */
function parseSince(value: string): string {
  const instant = parseInstant(value);
  if (!instant.ok) throw new ValidationError(`invalid OpenLineage export: since: ${instant.message}`, [{ path: 'since', message: instant.message }]);
  return instant.iso;
}

async function mapInFlight<T, R>(items: readonly T[], inFlight: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
  return out;
}
