import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import * as z from 'zod';
import { parseBoundedJson } from '../core/boundedJson.js';
import { PayloadTooLargeError, ValidationError } from '../core/errors.js';
import type { TriggerRecord } from '../core/triggers/TriggerRecord.js';
import type { TriggerService } from '../core/triggers/TriggerService.js';
import { TRIGGER_KINDS, triggerSpec } from '../core/triggers/TriggerSpec.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { jsonReply, methodNotAllowedReply, type HttpReply } from '../http/httpResponses.js';
import { pageLimitParameter } from '../http/queryParameters.js';
import { platformQuery } from './platformQuery.js';

const listQuery = z.object({ process: z.string().min(1).max(128).optional(), kind: z.enum(TRIGGER_KINDS).optional() }).strict();
const historyQuery = z.object({ limit: pageLimitParameter, cursor: z.string().min(1).max(4096).optional() }).strict();
const note = z.string().max(1024);
const createHead = z.object({ process: z.string().min(1).max(128), note: note.optional() });
const patchHead = z.object({ paused: z.boolean().optional(), note: note.optional(), version: z.number().int().nonnegative().optional() });
const fireBody = z.strictObject({ input: z.unknown().optional() }).nullish();

export interface TriggerRoutesOptions {
  triggers: TriggerService;
  maxPayloadBytes: number;
  /** Who is asking, for the audit log. */
  actor(c: Context): string;
  /** What a runtime adds to a trigger it shows (a schedule's `next` firings). */
  describe?(record: TriggerRecord): Record<string, unknown>;
  /**
   * Runs a trigger now (LOC's "Run Schedule"), with `input` when given.
   * @throws {ValidationError} for a kind that cannot be fired
   */
  fire(record: TriggerRecord, input: unknown): Promise<{ taskId: string }>;
  send(c: Context, reply: HttpReply): Response;
}

/**
 * The trigger registry's API, under the platform API's authentication:
 *
 * - `GET /sluice/triggers?process=&kind=` → `{ items }` (static, then runtime)
 * - `POST /sluice/triggers` `{ process, kind, ...spec, note? }` → 201 the trigger (`Location`); 409 naming a conflicting trigger
 * - `GET /sluice/triggers/{id}` → the trigger (a schedule with its `next` firings)
 * - `PATCH /sluice/triggers/{id}` `{ paused?, note?, ...spec }` → 200; a static trigger's spec is 409 (change serverless.yml)
 * - `DELETE /sluice/triggers/{id}` → 204; a static trigger is 409
 * - `GET /sluice/triggers/{id}/history?limit=&cursor=` → `{ items: [{ at, actor, action, before?, after? }], nextCursor? }`
 * - `POST /sluice/triggers/{id}/fire` `{ input? }` → 202 `{ taskId }`
 */
export function mountTriggerRoutes(app: Hono, options: TriggerRoutesOptions): void {
  const { triggers, send } = options;
  const show = (record: TriggerRecord) => ({ ...record, ...(options.describe?.(record) ?? {}) });
  const body = async (c: Context): Promise<unknown> => {
    const raw = await c.req.arrayBuffer();
    if (raw.byteLength > options.maxPayloadBytes) throw new PayloadTooLargeError(raw.byteLength, options.maxPayloadBytes);
    if (raw.byteLength === 0) return undefined;
    return parseBoundedJson(new TextDecoder().decode(raw), 'body');
  };
  const object = (value: unknown): Record<string, unknown> => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValidationError('the body must be a JSON object', [{ path: 'body', message: 'expected an object' }]);
    return value as Record<string, unknown>;
  };

  app.get('/sluice/triggers', async (c) => {
    const parsed = listQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    return send(c, jsonReply(200, { items: (await triggers.list(parsed.data)).map(show) }));
  });
  app.post('/sluice/triggers', async (c) => {
    const { process, note: text, ...rest } = object(await body(c));
    const head = createHead.safeParse({ process, note: text });
    if (!head.success) throw validationErrorOf(head.error, 'body');
    const spec = triggerSpec.safeParse(rest);
    if (!spec.success) throw validationErrorOf(spec.error, 'body');
    const record = await triggers.create(head.data.process, spec.data, options.actor(c), head.data.note);
    return send(c, jsonReply(201, show(record), { location: `/sluice/triggers/${record.triggerId}` }));
  });
  app.all('/sluice/triggers', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET', 'POST'])));

  app.get('/sluice/triggers/:id', async (c) => send(c, jsonReply(200, show(await triggers.get(c.req.param('id'))))));
  app.patch('/sluice/triggers/:id', async (c) => {
    const { paused, note: text, version, ...spec } = object(await body(c));
    const head = patchHead.safeParse({ paused, note: text, version });
    if (!head.success) throw validationErrorOf(head.error, 'body');
    const patch = {
      ...(head.data.version !== undefined ? { version: head.data.version } : {}),
      ...(head.data.paused !== undefined ? { paused: head.data.paused } : {}),
      ...(head.data.note !== undefined ? { note: head.data.note } : {}),
      ...(Object.keys(spec).length > 0 ? { spec } : {}),
    };
    if (Object.keys(patch).filter((key) => key !== 'version').length === 0) throw new ValidationError('nothing to change: give paused, note or spec fields', [{ path: 'body', message: 'empty patch' }]);
    return send(c, jsonReply(200, show(await triggers.update(c.req.param('id'), patch, options.actor(c)))));
  });
  app.delete('/sluice/triggers/:id', async (c) => {
    await triggers.delete(c.req.param('id'), options.actor(c));
    return send(c, { status: 204, headers: {}, body: '' });
  });
  app.all('/sluice/triggers/:id', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET', 'PATCH', 'DELETE'])));

  app.get('/sluice/triggers/:id/history', async (c) => {
    const parsed = historyQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const record = await triggers.get(c.req.param('id')).catch(() => undefined);
    const page = await triggers.history(c.req.param('id'), parsed.data);
    if (!record && page.items.length === 0) return send(c, jsonReply(404, { error: 'NotFound', message: `no trigger '${c.req.param('id').slice(0, 64)}'` }));
    return send(c, jsonReply(200, page));
  });
  app.all('/sluice/triggers/:id/history', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET'])));

  app.post('/sluice/triggers/:id/fire', async (c) => {
    const parsed = fireBody.safeParse(await body(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'body');
    const record = await triggers.get(c.req.param('id'));
    const { taskId } = await options.fire(record, parsed.data?.input);
    return send(c, jsonReply(202, { taskId, status: 'queued' }, { location: `/sluice/tasks/${taskId}` }));
  });
  app.all('/sluice/triggers/:id/fire', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['POST'])));
}
