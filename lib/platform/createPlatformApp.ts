import { timingSafeEqual, createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod';
import { MalformedInputError, PayloadTooLargeError, UnknownProcessError, ValidationError } from '../core/errors.js';
import type { TaskStore } from '../core/ports/TaskStore.js';
import type { SubmitRequest, SubmitResult, SubmittableProcess } from '../core/runner/submitTask.js';
import { TASK_STATUSES, type TaskRecord } from '../core/task/TaskRecord.js';
import { errorReply, jsonReply, type HttpReply } from '../http/httpResponses.js';
import { parseRequestBody } from '../http/parseRequestBody.js';
import type { PlatformProcess } from './PlatformProcess.js';
import type { QueueConsole } from './QueueConsole.js';

export interface PlatformAppOptions {
  processes: readonly PlatformProcess[];
  store: TaskStore;
  /** Accepts an async task (binds `submitTask` to the runtime's dispatcher). */
  submit(process: SubmittableProcess, request: SubmitRequest): Promise<SubmitResult>;
  /**
   * `bearer`: every route but health needs `Authorization: Bearer <token>`.
   * `gateway`: authentication happened before the request got here (API
   * Gateway IAM authorizer on AWS).
   */
  auth: { kind: 'bearer'; token: string } | { kind: 'gateway' };
  maxPayloadBytes: number;
  /** Embedded only: feed and inspect queues. */
  queues?: QueueConsole;
  /** Called with the cause of every 500 (the reply itself hides it). */
  onInternalError?(error: unknown, request: { method: string; path: string }): void;
}

const submitBody = z.object({ process: z.string().min(1).max(128), payload: z.unknown() }).strict();

const listQuery = z
  .object({
    process: z.string().min(1).max(128).optional(),
    status: z.enum(TASK_STATUSES as [string, ...string[]]).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(4096).optional(),
  })
  .strict();

const peekQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(4096).optional() }).strict();

/**
 * The platform API under the reserved prefix `/sluice`, identical on both
 * runtimes: the embedded server mounts it, and on AWS a Lambda serves it
 * through Hono's API Gateway adapter.
 */
export function createPlatformApp(options: PlatformAppOptions): Hono {
  const app = new Hono();
  const byName = new Map(options.processes.map((p) => [p.name, p]));
  const send = (c: Context, reply: HttpReply) => c.body(reply.body, reply.status as never, reply.headers);

  app.onError((error, c) => {
    const reply = errorReply(error);
    if (reply.status >= 500) options.onInternalError?.(error, { method: c.req.method, path: c.req.path });
    return send(c, reply);
  });
  app.notFound((c) => send(c, jsonReply(404, { error: 'NotFound', message: `no route ${c.req.method} ${c.req.path}` })));

  app.get('/sluice/health', (c) => send(c, jsonReply(200, { status: 'ok' })));
  app.all('/sluice/health', (c) => methodNotAllowed(c, ['GET']));

  app.use('/sluice/*', authenticate(options.auth));
  const limit = bodyLimit({ maxSize: options.maxPayloadBytes, onError: (c) => send(c, errorReply(new PayloadTooLargeError(Number(c.req.header('content-length') ?? options.maxPayloadBytes + 1), options.maxPayloadBytes))) });

  app.get('/sluice/processes', (c) => send(c, jsonReply(200, { items: options.processes.map(describeProcess) })));
  app.all('/sluice/processes', (c) => methodNotAllowed(c, ['GET']));

  app.post('/sluice/tasks', limit, async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    // The platform API speaks JSON only, whatever the content type says (curl -d sends a form type).
    const body = parseRequestBody(raw, 'application/json', options.maxPayloadBytes);
    const parsed = submitBody.safeParse(body ?? {});
    if (!parsed.success) throw validationError(parsed.error, 'request body');
    const process = byName.get(parsed.data.process);
    if (!process) throw new UnknownProcessError(parsed.data.process);
    const key = c.req.header('idempotency-key');
    const result = await options.submit(process, { payload: parsed.data.payload, ...(key !== undefined ? { idempotencyKey: key } : {}) });
    const headers: Record<string, string> = { location: `/sluice/tasks/${result.record.taskId}` };
    if (!result.created) headers['idempotent-replayed'] = 'true';
    return send(c, jsonReply(202, acceptedBody(result.record), headers));
  });
  app.get('/sluice/tasks', async (c) => {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error, 'query');
    const { cursor, ...rest } = parsed.data;
    try {
      const page = await options.store.list({ ...rest, status: rest.status as TaskRecord['status'] | undefined, ...(cursor ? { cursor } : {}) });
      return send(c, jsonReply(200, page));
    } catch (error) {
      if (cursor && error instanceof Error && /cursor/i.test(error.message)) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'invalid' }], { cause: error });
      throw error;
    }
  });
  app.all('/sluice/tasks', (c) => methodNotAllowed(c, ['GET', 'POST']));

  app.get('/sluice/tasks/:taskId', async (c) => {
    const record = await options.store.get(c.req.param('taskId'));
    if (!record) return send(c, jsonReply(404, { error: 'NotFound', message: `no task '${c.req.param('taskId')}'` }));
    return send(c, jsonReply(200, record));
  });
  app.all('/sluice/tasks/:taskId', (c) => methodNotAllowed(c, ['GET']));

  if (options.queues) mountQueueConsole(app, options.queues, limit, options.maxPayloadBytes, send);
  return app;
}

function mountQueueConsole(
  app: Hono,
  queues: QueueConsole,
  limit: ReturnType<typeof bodyLimit>,
  maxBytes: number,
  send: (c: Context, reply: HttpReply) => Response,
): void {
  app.get('/sluice/queues', async (c) => send(c, jsonReply(200, { items: await queues.list() })));
  app.all('/sluice/queues', (c) => methodNotAllowed(c, ['GET']));

  app.post('/sluice/queues/:queue/messages', limit, async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (raw.byteLength > maxBytes) throw new PayloadTooLargeError(raw.byteLength, maxBytes);
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (cause) {
      throw new MalformedInputError('message body is not valid UTF-8', { cause });
    }
    const delay = c.req.query('delaySeconds');
    const delaySeconds = delay === undefined ? undefined : Number(delay);
    if (delaySeconds !== undefined && !(Number.isInteger(delaySeconds) && delaySeconds >= 0 && delaySeconds <= 900)) {
      throw new ValidationError('delaySeconds must be an integer from 0 to 900', [{ path: 'delaySeconds', message: 'out of range' }]);
    }
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(c.req.header())) {
      if (name.startsWith('x-message-attribute-')) attributes[name.slice('x-message-attribute-'.length)] = value;
    }
    const { messageId } = await queues.send(c.req.param('queue'), { body, attributes, ...(delaySeconds !== undefined ? { delaySeconds } : {}) });
    return send(c, jsonReply(202, { queue: c.req.param('queue'), messageId }));
  });
  app.get('/sluice/queues/:queue/messages', async (c) => {
    const parsed = peekQuery.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error, 'query');
    return send(c, jsonReply(200, await queues.peek(c.req.param('queue'), parsed.data)));
  });
  app.all('/sluice/queues/:queue/messages', (c) => methodNotAllowed(c, ['GET', 'POST']));

  app.post('/sluice/queues/:queue/redrive', async (c) => send(c, jsonReply(200, await queues.redrive(c.req.param('queue')))));
  app.all('/sluice/queues/:queue/redrive', (c) => methodNotAllowed(c, ['POST']));
}

function authenticate(auth: PlatformAppOptions['auth']) {
  const expected = auth.kind === 'bearer' ? digest(auth.token) : undefined;
  return async (c: Context, next: () => Promise<void>) => {
    if (!expected) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Compare digests: constant time, and lengths never differ.
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) {
      return c.body(JSON.stringify({ error: 'Unauthorized', message: 'a valid bearer token is required' }), 401, {
        'content-type': 'application/json; charset=utf-8',
        'www-authenticate': 'Bearer realm="sluice"',
      });
    }
    return next();
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function methodNotAllowed(c: Context, allowed: string[]): Response {
  return c.body(JSON.stringify({ error: 'MethodNotAllowed', message: `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}` }), 405, {
    'content-type': 'application/json; charset=utf-8',
    allow: allowed.join(', '),
  });
}

function validationError(error: z.ZodError, where: string): ValidationError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  return new ValidationError(`invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues, { cause: error });
}

function acceptedBody(record: TaskRecord) {
  return { taskId: record.taskId, process: record.process, status: record.status, createdAt: record.createdAt, links: { self: `/sluice/tasks/${record.taskId}` } };
}

function describeProcess(p: PlatformProcess) {
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    timeoutSeconds: p.timeoutSeconds,
    async: p.taskQueue !== undefined,
    triggers: {
      http: p.http.map((r) => ({ method: r.method, path: r.path })),
      queues: p.queues.map((q) => ({ queue: q.queue, batchSize: q.batchSize, enabled: q.enabled })),
      schedules: p.schedules.map((s) => ({ rule: s.rule, expression: s.expression, enabled: s.enabled })),
    },
  };
}
