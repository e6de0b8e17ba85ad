import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import * as z from 'zod';
import type { KeyValueStore } from '../core/agents/KeyValueStore.js';
import { KvRefusedError } from '../core/agents/kvErrors.js';
import { parseBoundedJson } from '../core/boundedJson.js';
import { PayloadTooLargeError, ValidationError } from '../core/errors.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { jsonReply, methodNotAllowedReply, type HttpReply } from '../http/httpResponses.js';
import { decodeRequestPath } from '../http/requestTarget.js';
import { platformQuery } from './platformQuery.js';
import { pageLimitParameter } from '../http/queryParameters.js';

const PREFIX = '/sluice/kv/';

const listQuery = z.object({ prefix: z.string().max(1024).optional(), limit: pageLimitParameter, cursor: z.string().min(1).max(4096).optional() }).strict();
const putBody = z.strictObject({ value: z.unknown().refine((value) => value !== undefined, 'is required'), ttlSeconds: z.number().int().positive().optional() });

/**
 * The operators' view of the key-value store (`ctx.kv`), under the platform
 * API's authentication: e.g. to reset an incremental load's cursor.
 *
 * - `GET /sluice/kv?prefix=&limit=&cursor=` → `{ items: [{ key, value, updatedAt, taskId?, expiresAt? }], nextCursor? }`
 * - `GET /sluice/kv/{key}` → the entry, 404 when absent or expired
 * - `PUT /sluice/kv/{key}` `{ value, ttlSeconds? }` → 200 the entry (written without a task id)
 * - `DELETE /sluice/kv/{key}` → 204, 404 when absent
 *
 * The key is the rest of the path, decoded like every route's path (`/`
 * allowed; see `keyOf`). Refusals
 * of the store (a key or value over its limit, a TTL over the maximum) are
 * 400s naming the reason.
 */
export function mountKvRoutes(app: Hono, options: { kv: KeyValueStore; maxPayloadBytes: number; send(c: Context, reply: HttpReply): Response }): void {
  const { kv, send } = options;
  const refusal = (error: unknown): never => {
    if (error instanceof KvRefusedError) throw new ValidationError(error.message, [{ path: error.reason, message: error.message }], { cause: error });
    throw error;
  };
  app.get('/sluice/kv', async (c) => {
    // The query as every other route reads it (repeated keys joined: `limit=2&limit=3` is refused, not the last one taken).
    const parsed = listQuery.safeParse(platformQuery(c));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'query');
    const { prefix = '', limit, cursor } = parsed.data;
    const page = await kv.list(prefix, { ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) }).catch(refusal);
    return send(c, jsonReply(200, page));
  });
  app.get(`${PREFIX}*`, async (c) => {
    const key = keyOf(c);
    const entry = await kv.get(key).catch(refusal);
    return send(c, entry ? jsonReply(200, entry) : jsonReply(404, { error: 'NotFound', message: `no key '${shorten(key)}'` }));
  });
  app.put(`${PREFIX}*`, async (c) => {
    const key = keyOf(c);
    const raw = await c.req.arrayBuffer();
    if (raw.byteLength > options.maxPayloadBytes) throw new PayloadTooLargeError(raw.byteLength, options.maxPayloadBytes);
    const parsed = putBody.safeParse(parseBoundedJson(new TextDecoder().decode(raw), 'body'));
    if (!parsed.success) throw validationErrorOf(parsed.error, 'body');
    await kv.set(key, parsed.data.value, { ...(parsed.data.ttlSeconds !== undefined ? { ttlSeconds: parsed.data.ttlSeconds } : {}) }).catch(refusal);
    return send(c, jsonReply(200, await kv.get(key)));
  });
  app.all('/sluice/kv', (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET'])));
  app.delete(`${PREFIX}*`, async (c) => {
    const key = keyOf(c);
    const deleted = await kv.delete(key).catch(refusal);
    return send(c, deleted ? { status: 204, headers: {}, body: '' } : jsonReply(404, { error: 'NotFound', message: `no key '${shorten(key)}'` }));
  });
  app.all(`${PREFIX}*`, (c) => send(c, methodNotAllowedReply(c.req.method, c.req.path, ['GET', 'PUT', 'DELETE'])));
}

/**
 * The key: the path after `/sluice/kv/`, decoded as every route's path is
 * (API Gateway's rule, `decodeRequestPath`: twice, so `%2540` is `@` and a
 * literal `%` is written `%2525`). A path API Gateway already decoded that
 * does not decode again is used as it is.
 */
function keyOf(c: Context): string {
  const raw = new URL(c.req.url).pathname.slice(PREFIX.length);
  try {
    return decodeRequestPath(raw);
  } catch {
    return raw;
  }
}

function shorten(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}
