import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import * as z from 'zod';
import { bulkReplay, MAX_BULK_REPLAY_TASKS } from '../core/control/bulkReplay.js';
import type { ReplayOutcome, TaskControl } from '../core/control/TaskControl.js';
import { assertNever } from '../core/errors.js';
import type { TaskStore } from '../core/ports/TaskStore.js';
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from '../core/task/TaskRecord.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { isoInstant, windowOrder } from '../core/task/createdWindow.js';
import { jsonReply, methodNotAllowedReply, PLATFORM_RESPONSE_HEADERS, type HttpReply } from '../http/httpResponses.js';
import { parseRequestBody } from '../http/parseRequestBody.js';
import type { QueueConsole } from './QueueConsole.js';

const replayBody = z.strictObject({ payload: z.unknown().optional() });
const bulkBody = z.strictObject({
  filter: z
    .strictObject({
      process: z.string().min(1).max(128).optional(),
      status: z.enum(TASK_STATUSES as [TaskStatus, ...TaskStatus[]]).optional(),
      since: isoInstant.optional(),
      until: isoInstant.optional(),
    })
    .superRefine(windowOrder),
  dryRun: z.boolean().default(false),
  maxTasks: z.number().int().min(1).max(MAX_BULK_REPLAY_TASKS).optional(),
  /** A previous report's `nextCursor`: go on where that request stopped. */
  cursor: z.string().min(1).max(4096).optional(),
});

export interface TaskControlRoutesOptions {
  control: TaskControl;
  store: TaskStore;
  queues?: QueueConsole;
  maxPayloadBytes: number;
  send(c: Context, reply: HttpReply): Response;
}

/**
 * Task control under `/sluice` (both runtimes; the dead-letter route where
 * the runtime has a queue console):
 *
 * - `POST /sluice/tasks/{id}/cancel` → 200 `{ task }` (was queued: now `cancelled`),
 *   202 `{ task }` (running: `cancelRequestedAt` set; it ends `cancelled`), 409 finished, 404.
 * - `POST /sluice/tasks/{id}/replay` `{ payload? }`, `Idempotency-Key?` → 202 the new task
 *   (`replayOf`), 409 not finished / payload not kept, 404.
 * - `POST /sluice/tasks/replay` `{ filter: { process?, status?, since?, until? }, dryRun?, maxTasks?, cursor? }`,
 *   `Idempotency-Key?` → 200 the job's report ({@link bulkReplay}); `truncated` with a
 *   `nextCursor`: repeat with it as `cursor` (same filter and key) to go on.
 * - `POST /sluice/queues/{queue}/messages/{messageId}/replay` → 202: replays the
 *   dead letter's task, then deletes the message; 404 no message or no task record, 409 task not finished.
 *
 * Must be mounted before `/sluice/tasks/:taskId`'s catch-all.
 */
export function mountTaskControlRoutes(app: Hono, options: TaskControlRoutesOptions): void {
  const { control, store, send } = options;
  const bodyOf = async (c: Context): Promise<unknown> => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    return raw.byteLength === 0 ? {} : (parseRequestBody(raw, 'application/json', options.maxPayloadBytes) ?? {});
  };
  const keyOf = (c: Context) => c.req.header('idempotency-key');

  app.post('/sluice/tasks/replay', async (c) => {
    const parsed = bulkBody.safeParse(await bodyOf(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'request body');
    const { filter, dryRun, maxTasks, cursor } = parsed.data;
    const key = keyOf(c);
    const report = await bulkReplay(store, control, definedOnly(filter), {
      dryRun,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      ...(maxTasks !== undefined ? { maxTasks } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    return send(c, jsonReply(200, report));
  });
  app.all('/sluice/tasks/replay', (c) => methodNotAllowed(c, ['POST']));

  app.post('/sluice/tasks/:taskId/cancel', async (c) => {
    const taskId = c.req.param('taskId')!;
    const result = await control.cancel(taskId);
    switch (result.outcome) {
      case 'cancelled':
        return send(c, jsonReply(200, { task: summaryOf(result.record) }));
      case 'cancelling':
        return send(c, jsonReply(202, { task: summaryOf(result.record) }));
      case 'finished':
        return send(c, jsonReply(409, { error: 'TaskFinished', message: `task '${taskId}' has already ended (${result.record.status})`, task: summaryOf(result.record) }));
      case 'not-found':
        return send(c, notFound(taskId));
      default:
        return assertNever(result, 'cancel outcome');
    }
  });
  app.all('/sluice/tasks/:taskId/cancel', (c) => methodNotAllowed(c, ['POST']));

  app.post('/sluice/tasks/:taskId/replay', async (c) => {
    const parsed = replayBody.safeParse(await bodyOf(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'request body');
    const key = keyOf(c);
    const taskId = c.req.param('taskId')!;
    const result = await control.replay(taskId, { ...('payload' in parsed.data ? { payload: parsed.data.payload } : {}), ...(key !== undefined ? { idempotencyKey: key } : {}) });
    return send(c, replayReply(taskId, result));
  });
  app.all('/sluice/tasks/:taskId/replay', (c) => methodNotAllowed(c, ['POST']));

  const { queues } = options;
  if (!queues) return;
  app.post('/sluice/queues/:queue/messages/:messageId/replay', async (c) => {
    const queue = c.req.param('queue')!;
    const messageId = c.req.param('messageId')!;
    const message = await queues.message(queue, messageId);
    if (!message) return send(c, jsonReply(404, { error: 'NotFound', message: `no message '${messageId}' in queue '${queue}'` }));
    if (message.taskId === undefined) return send(c, jsonReply(404, { error: 'NotFound', message: `message '${messageId}' names no valid task` }));
    // Keyed by the message: a repeat (the delete below failed, the caller retried) replays nothing twice.
    const result = await control.replay(message.taskId, { idempotencyKey: `dead-letter:${queue}:${messageId}`.slice(0, 255) });
    if (result.outcome !== 'replayed') return send(c, replayReply(message.taskId, result));
    // Only once the replay is safely queued: the dead message goes.
    const deleted = await queues.deleteMessage(queue, messageId);
    return send(c, jsonReply(202, { ...acceptedBody(result.record), deadLetterDeleted: deleted }, { location: `/sluice/tasks/${result.record.taskId}` }));
  });
  app.all('/sluice/queues/:queue/messages/:messageId/replay', (c) => methodNotAllowed(c, ['POST']));
}

/**
 * Each peeked message with its task as stored (`status`, `error`, `attempts`),
 * for `GET /sluice/queues/{queue}/messages`: the dead-letter view.
 */
export async function withTasks<M extends { taskId?: string }>(store: TaskStore, items: readonly M[]): Promise<Array<M & { task?: Pick<TaskRecord, 'taskId' | 'process' | 'status' | 'attempts' | 'error'> }>> {
  return Promise.all(
    items.map(async (item) => {
      const record = item.taskId === undefined ? undefined : await store.get(item.taskId);
      if (!record) return item;
      const { stack: _stack, ...error } = record.error ?? { stack: undefined };
      return { ...item, task: { taskId: record.taskId, process: record.process, status: record.status, attempts: record.attempts, ...(record.error ? { error: error as TaskRecord['error'] } : {}) } };
    }),
  );
}

function replayReply(taskId: string, result: ReplayOutcome): HttpReply {
  switch (result.outcome) {
    case 'replayed': {
      const headers: Record<string, string> = { location: `/sluice/tasks/${result.record.taskId}` };
      if (!result.created) headers['idempotent-replayed'] = 'true';
      return jsonReply(202, acceptedBody(result.record), headers);
    }
    case 'unfinished':
      return jsonReply(409, { error: 'TaskNotFinished', message: `task '${taskId}' has not ended (${result.record.status}); only a finished task can be replayed` });
    case 'no-payload':
      return jsonReply(409, { error: 'PayloadNotKept', message: `the payload of task '${taskId}' was not kept (an HTTP request, or over 32 KiB); give one: { "payload": ... }` });
    case 'not-found':
      return notFound(taskId);
    default:
      return assertNever(result, 'replay outcome');
  }
}

function acceptedBody(record: TaskRecord) {
  return { taskId: record.taskId, process: record.process, status: record.status, createdAt: record.createdAt, replayOf: record.replayOf, links: { self: `/sluice/tasks/${record.taskId}` } };
}

function summaryOf(record: TaskRecord) {
  const { result: _result, logs: _logs, payload: _payload, ...summary } = record;
  return summary;
}

function notFound(taskId: string): HttpReply {
  return jsonReply(404, { error: 'NotFound', message: `no task '${taskId}'` });
}

function methodNotAllowed(c: Context, allowed: string[]): Response {
  const reply = methodNotAllowedReply(c.req.method, c.req.path, allowed);
  return c.body(reply.body, 405, { ...reply.headers, ...PLATFORM_RESPONSE_HEADERS });
}

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
