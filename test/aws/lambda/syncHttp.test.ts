import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
/**
 * The process function behind API Gateway HTTP API routes: synchronous tasks
 * on DynamoDB Local, answered exactly like the embedded runtime answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { createHttpListener } from '../../../lib/embedded/http/createHttpListener.js';
import { Semaphore } from '../../../lib/embedded/runtime/Semaphore.js';
import { TaskRunner } from '../../../lib/core/runner/TaskRunner.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { MalformedInputError } from '../../../lib/core/errors.js';
import { defineProcess, NonRetriableError } from '../../../lib/index.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { TASK_ID_HEADER } from '../../../lib/http/httpResponses.js';
import { httpApiEvent, lambdaContext, type HttpRequestSpec } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const echo = defineProcess({
  name: 'echo',
  input: z.looseObject({ name: z.string().min(1) }),
  logics: [{ name: 'greet', run: (ctx) => ctx.session.set('greeting', `hello ${ctx.input.name}`) }],
  aggregator: {
    name: 'reply',
    run(ctx) {
      ctx.response.header('x-echo', 'yes');
      return { greeting: ctx.session.get('greeting'), payload: ctx.payload };
    },
  },
});

const lookup = defineProcess({
  name: 'lookup',
  logics: [
    {
      name: 'find',
      run(ctx) {
        ctx.response.status(404);
        throw new NonRetriableError(`no record '${ctx.payload.type === 'http' ? ctx.payload.pathParameters.id : '?'}'`);
      },
    },
  ],
  aggregator: { name: 'done', run: () => 'unreachable' },
});

const boom = defineProcess({
  name: 'boom',
  logics: [
    {
      name: 'explode',
      run() {
        throw new Error('kaput');
      },
    },
  ],
  aggregator: { name: 'done', run: () => 'unreachable' },
});

function slowSpec(name: string) {
  return {
    name,
    logics: [{ name: 'wait', run: (ctx: { signal: AbortSignal }) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)) }],
    aggregator: { name: 'done', run: () => 'late' },
  };
}
const slow = defineProcess(slowSpec('slow'));

/** Same as `slow`, with a 10 s timeout. */
const patient = defineProcess({ ...slowSpec('patient') });

const MAX_PAYLOAD = 4096;

let stack: LambdaStack;
const handlers: Record<string, LambdaHandler> = {};

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [
      { name: 'echo', timeoutSeconds: 10 },
      { name: 'lookup', timeoutSeconds: 10 },
      { name: 'boom', timeoutSeconds: 10 },
      { name: 'slow', timeoutSeconds: 1 },
      { name: 'patient', timeoutSeconds: 10 },
    ],
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
    maxPayloadBytes: MAX_PAYLOAD,
  });
  for (const p of [echo, lookup, boom, slow, patient]) handlers[p.definition.name!] = stack.processHandler(p.definition);
});
afterAll(async () => {
  await stack?.destroy();
});
beforeEach(() => stack.counter.reset());

async function invoke(process: string, spec: HttpRequestSpec): Promise<Reply> {
  return (await handlers[process]!(httpApiEvent(spec), lambdaContext(30_000))) as Reply;
}

const echoRequest: HttpRequestSpec = {
  method: 'POST',
  // HTTP API delivers the path percent-decoded (rawPath and pathParameters alike).
  path: '/echo/abc d',
  route: '/echo/{id}',
  pathParameters: { id: 'abc d' },
  query: { tag: ['a', 'b'], page: '2' },
  headers: { 'content-type': 'application/json', 'x-custom-header': 'first,second' },
  cookies: ['session=abc123', 'theme=dark'],
  body: JSON.stringify({ name: 'Ada', extra: [1, 2] }),
};

describe('sync HTTP tasks', () => {
  it('runs the process, answers 200 with its result, and stores the task with one DynamoDB write', async () => {
    const reply = await invoke('echo', echoRequest);

    expect(reply.statusCode).toBe(200);
    expect(reply.isBase64Encoded).toBe(false);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['x-echo']).toBe('yes');
    const body = JSON.parse(reply.body);
    expect(body.greeting).toBe('hello Ada');
    expect(body.payload).toMatchObject({
      type: 'http',
      method: 'POST',
      path: '/echo/abc d',
      route: '/echo/{id}',
      pathParameters: { id: 'abc d' },
      query: { tag: 'a,b', page: '2' },
      body: { name: 'Ada', extra: [1, 2] },
    });
    expect(body.payload.headers).toMatchObject({ cookie: 'session=abc123; theme=dark', 'x-custom-header': 'first,second', 'content-type': 'application/json' });

    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 1 });
    const stored = await stack.store.get(reply.headers[TASK_ID_HEADER]!);
    expect(stored).toMatchObject({
      process: 'echo',
      status: 'succeeded',
      attempts: 1,
      trigger: { type: 'http', method: 'POST', path: '/echo/abc d', route: '/echo/{id}' },
      result: body,
    });
  });

  it('builds the same payload as the embedded runtime for the same request', async () => {
    // The embedded runtime's route handler, over an in-memory store.
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 60, trackRunning: false });
    const listener = createHttpListener({
      processes: [{ process: { name: 'echo', definition: echo.definition, timeoutMs: 10_000 }, routes: [{ method: 'POST', path: '/echo/{id}' }], slots: new Semaphore(2) }],
      runner,
      maxPayloadBytes: MAX_PAYLOAD,
      isStopping: () => false,
      platform: (_req, res) => res.writeHead(404).end(),
    });
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const event = httpApiEvent(echoRequest) as { headers: Record<string, string>; rawQueryString: string };
      const { host: _host, 'content-length': _length, ...headers } = event.headers;
      const embedded = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/echo/abc%20d?${event.rawQueryString}`, {
        method: 'POST',
        // What a client sent API Gateway: the same headers, the cookies as one Cookie header.
        headers: { ...headers, cookie: 'session=abc123; theme=dark' },
        body: echoRequest.body as string,
      });
      const lambda = await invoke('echo', echoRequest);

      expect(embedded.status).toBe(lambda.statusCode);
      const fromEmbedded = (await embedded.json()) as { payload: { headers: Record<string, string> } };
      const fromLambda = JSON.parse(lambda.body) as { payload: { headers: Record<string, string> } };
      // Transport headers differ by nature (the test client's host, connection...): compare the client's own.
      for (const reply of [fromEmbedded, fromLambda]) reply.payload.headers = pick(reply.payload.headers, Object.keys(headers).concat('cookie'));
      expect(fromLambda).toEqual(fromEmbedded);
    } finally {
      server.close();
    }
  });

  it('decodes a base64 body and parses it by its content type (a form)', async () => {
    const reply = await invoke('echo', {
      method: 'POST',
      path: '/echo/1',
      route: '/echo/{id}',
      pathParameters: { id: '1' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('name=Z%C3%BC%C3%B1a&city=Taipei'),
      base64: true,
    });
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body).payload.body).toEqual({ name: 'Züña', city: 'Taipei' });
  });

  it('uses the query as input when a GET has no body, and lower-cases header names whatever their case', async () => {
    const event = httpApiEvent({ method: 'GET', path: '/echo', query: { name: 'Grace' } }) as { headers: Record<string, string> };
    event.headers['X-Mixed-Case'] = 'kept';
    const reply = (await handlers.echo!(event, lambdaContext())) as Reply;
    expect(reply.statusCode).toBe(200);
    const { payload } = JSON.parse(reply.body);
    expect(payload.body).toBeUndefined();
    expect(payload.headers['x-mixed-case']).toBe('kept');
    expect(payload.headers['X-Mixed-Case']).toBeUndefined();
    expect(JSON.parse(reply.body).greeting).toBe('hello Grace');
  });

  it('answers 400 with the issues for input the schema rejects, without storing anything', async () => {
    const reply = await invoke('echo', { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '' }) });
    expect(reply.statusCode).toBe(400);
    const body = JSON.parse(reply.body);
    expect(body).toMatchObject({ error: 'ValidationError', issues: [{ path: 'name' }] });
    expect(stack.counter.snapshot().totalRequests).toBe(0);
  });

  it('answers 400 for a body that is not the JSON it claims to be', async () => {
    const reply = await invoke('echo', { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(reply.statusCode).toBe(400);
    expect(JSON.parse(reply.body).error).toBe('MalformedInputError');
  });

  it('answers 413 for a body over maxPayloadBytes, also when it arrives base64-encoded', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(MAX_PAYLOAD) });
    for (const base64 of [false, true]) {
      const reply = await invoke('echo', { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: big, base64 });
      expect(reply.statusCode).toBe(413);
      expect(JSON.parse(reply.body).error).toBe('PayloadTooLargeError');
    }
    expect(stack.counter.snapshot().totalRequests).toBe(0);
  });

  it('answers the 404 the process chose before failing, and stores the failed task', async () => {
    const reply = await invoke('lookup', { method: 'GET', path: '/things/t-9', route: '/things/{id}', pathParameters: { id: 't-9' } });
    expect(reply.statusCode).toBe(404);
    const body = JSON.parse(reply.body);
    expect(body.error).toMatchObject({ kind: 'logic', name: 'NonRetriableError', message: "no record 't-9'", logic: 'find' });
    expect(body.error.stack).toBeUndefined();
    expect(await stack.store.get(body.taskId)).toMatchObject({ status: 'failed', process: 'lookup' });
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 1 });
  });

  it('answers 500 with the logic error when the process fails', async () => {
    const reply = await invoke('boom', { method: 'POST', path: '/boom' });
    expect(reply.statusCode).toBe(500);
    const body = JSON.parse(reply.body);
    expect(body.error).toMatchObject({ kind: 'logic', name: 'Error', message: 'kaput', logic: 'explode' });
    expect(reply.headers[TASK_ID_HEADER]).toBe(body.taskId);
  });

  it('answers 504 when the process outlives its timeout, and stores it timed out', async () => {
    const reply = await invoke('slow', { method: 'POST', path: '/slow' });
    expect(reply.statusCode).toBe(504);
    const body = JSON.parse(reply.body);
    expect(body.error).toMatchObject({ kind: 'timeout', message: 'the process timeout of 1 s elapsed' });
    expect(await stack.store.get(body.taskId)).toMatchObject({ status: 'timed_out' });
  });

  it("stops at Lambda's deadline when it is nearer than the process timeout", async () => {
    // 10 s process timeout, 1.5 s left in the invocation: the runner keeps its 1 s margin to store the outcome.
    const reply = (await handlers.patient!(httpApiEvent({ method: 'POST', path: '/patient' }), lambdaContext(1500))) as Reply;
    expect(reply.statusCode).toBe(504);
    const applied = Number(/timeout of ([\d.]+) s/.exec(JSON.parse(reply.body).error.message)?.[1]);
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThanOrEqual(0.5);
    expect(await stack.store.get(JSON.parse(reply.body).taskId)).toMatchObject({ status: 'timed_out' });
  });

  it('fails the invocation for an event that is no trigger of a process', async () => {
    await expect(handlers.echo!({ hello: 'world' }, lambdaContext())).rejects.toBeInstanceOf(MalformedInputError);
    const v1 = { resource: '/echo', path: '/echo', httpMethod: 'GET', headers: {}, requestContext: {}, body: null };
    await expect(handlers.echo!(v1, lambdaContext())).rejects.toThrow(/unsupported Lambda event/);
  });
});

function pick(record: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key.toLowerCase())));
}
