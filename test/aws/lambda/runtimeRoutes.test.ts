/**
 * The router of runtime HTTP routes on AWS, end to end: the trigger registry
 * and the task table on DynamoDB Local, the task queues on fauxqs, the real
 * Lambda SDK client whose transport is replaced by one that runs the
 * invoked process function's real handler in this process (so a sync route
 * runs real process code on the very event the router sent).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DynamoTriggerRegistry } from '../../../lib/aws/DynamoTriggerRegistry.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { TriggerService } from '../../../lib/core/triggers/TriggerService.js';
import { httpTriggerSpec } from '../../../lib/core/triggers/TriggerSpec.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { defineProcess } from '../../../lib/index.js';
import { createTriggerTable, deleteTable } from '../../setup/awsResources.js';
import { awsEndpoints, uniqueName } from '../awsTestEnv.js';
import { httpApiEvent, lambdaContext, type HttpRequestSpec } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** One Invoke as the Lambda service received it. */
interface CapturedInvoke {
  functionName: string;
  invocationType: string | undefined;
  event: Record<string, unknown>;
}

const orders = defineProcess({
  name: 'orders',
  input: z.unknown(),
  logics: [{ name: 'noop', run: () => undefined }],
  aggregator: {
    name: 'reply',
    run(ctx) {
      const p = ctx.payload;
      if (p.type !== 'http') throw new Error('expected an http payload');
      ctx.response.header('x-route', p.route);
      return { method: p.method, path: p.path, route: p.route, pathParameters: p.pathParameters, query: p.query, body: p.body };
    },
  },
});

const registered = defineProcess({
  name: 'registered',
  input: z.object({ name: z.string().min(1) }),
  logics: [{ name: 'noop', run: () => undefined }],
  aggregator: { name: 'reply', run: (ctx) => ({ hello: ctx.input.name }) },
});

const PROCESSES = ['orders', 'registered', 'crashing'];

/**
 * The Lambda service, in process: takes the SDK's signed `Invoke` request,
 * records it, runs the named function's handler with its payload, and
 * answers as Lambda does (the result as the payload; an error thrown by the
 * handler as `X-Amz-Function-Error: Unhandled` with `{ errorType, errorMessage }`).
 */
function lambdaService(functions: Record<string, LambdaHandler>, captured: CapturedInvoke[]) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
    async handle(request: { path: string; headers: Record<string, string>; body?: Uint8Array | string }) {
      const functionName = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.path)![1]!);
      const event = JSON.parse(Buffer.from(request.body ?? '').toString('utf8')) as Record<string, unknown>;
      captured.push({ functionName, invocationType: request.headers['x-amz-invocation-type'], event });
      const fn = functions[functionName];
      if (!fn) return { response: { statusCode: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException', 'content-type': 'application/json' }, body: Buffer.from('{"message":"Function not found"}') } };
      try {
        const result = await fn(event, lambdaContext(10_000, functionName));
        return { response: { statusCode: 200, headers: { 'x-amz-executed-version': '$LATEST' }, body: Buffer.from(JSON.stringify(result)) } };
      } catch (error) {
        const payload = { errorType: (error as Error).name, errorMessage: (error as Error).message };
        return { response: { statusCode: 200, headers: { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' }, body: Buffer.from(JSON.stringify(payload)) } };
      }
    },
  };
}

describe('runtime HTTP routes on AWS (router function)', () => {
  let stack: LambdaStack;
  let triggerTable: string;
  let triggers: TriggerService;
  let router: LambdaHandler;
  let lambda: LambdaClient;
  const captured: CapturedInvoke[] = [];

  const fnName = (process: string) => `${stack.service}-${stack.stage}-${process}`;
  const create = (process: string, spec: Record<string, unknown>) => triggers.create(process, httpTriggerSpec.parse({ kind: 'http', ...spec }), 'test');
  const call = async (spec: HttpRequestSpec, context: Context = lambdaContext(30_000, 'router')): Promise<Reply> =>
    (await router(httpApiEvent({ route: '/{proxy+}', pathParameters: { proxy: spec.path.slice(1) }, ...spec }), context)) as Reply;

  beforeAll(async () => {
    stack = await createLambdaStack({ processes: PROCESSES.map((name) => ({ name, timeoutSeconds: 10 })), maxReceiveCount: 3, visibilityTimeoutSeconds: 5, maxPayloadBytes: 4096 });
    triggerTable = uniqueName('router-triggers');
    await createTriggerTable(stack.dynamo, triggerTable);
    triggers = new TriggerService({
      registry: new DynamoTriggerRegistry({ client: stack.dynamo, tableName: triggerTable }),
      statics: [],
      // 'retired' is known to the registry but not to this deployment's catalog (a process since removed).
      processes: new Set([...PROCESSES, 'retired']),
      clock: systemClock,
      check: (_process, spec) => spec,
      apply: () => undefined,
    });
    const functions: Record<string, LambdaHandler> = {
      [fnName('orders')]: stack.processHandler(orders.definition),
      [fnName('registered')]: stack.processHandler(registered.definition),
      // A function whose runtime fails before answering (what Lambda reports as FunctionError).
      [fnName('crashing')]: async () => {
        throw new Error('Runtime exited with error: signal: killed');
      },
    };
    const { region, credentials } = awsEndpoints();
    lambda = new LambdaClient({ region, credentials, maxAttempts: 1, requestHandler: lambdaService(functions, captured) });
    router = stack.routerHandler(triggerTable, lambda);
  });

  afterAll(async () => {
    lambda?.destroy();
    await deleteTable(stack.dynamo, triggerTable);
    await stack.destroy();
  });

  beforeEach(() => {
    captured.length = 0;
  });

  it('serves a sync route: invokes the process function with the event API Gateway would have sent for that route', async () => {
    await create('orders', { method: 'GET', path: '/shop/{shopId}/orders/{orderId}' });
    const reply = await call({ method: 'GET', path: '/shop/s1/orders/o 2', query: { verbose: 'yes' } });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['x-route']).toBe('/shop/{shopId}/orders/{orderId}');
    expect(JSON.parse(reply.body)).toEqual({
      method: 'GET',
      path: '/shop/s1/orders/o 2',
      route: '/shop/{shopId}/orders/{orderId}',
      pathParameters: { shopId: 's1', orderId: 'o 2' },
      query: { verbose: 'yes' },
    });
    expect(captured).toHaveLength(1);
    const [invoke] = captured;
    expect(invoke!.functionName).toBe(fnName('orders'));
    expect(invoke!.invocationType).toBe('RequestResponse');
    expect(invoke!.event).toMatchObject({
      routeKey: 'GET /shop/{shopId}/orders/{orderId}',
      rawPath: '/shop/s1/orders/o 2',
      pathParameters: { shopId: 's1', orderId: 'o 2' },
      queryStringParameters: { verbose: 'yes' },
      requestContext: { routeKey: 'GET /shop/{shopId}/orders/{orderId}', http: { method: 'GET' } },
    });
    // The task ran for real: its record is in the task table.
    const taskId = reply.headers['x-sluice-task-id']!;
    expect((await stack.store.get(taskId))?.status).toBe('succeeded');
  });

  it('routes by the path API Gateway matched ({proxy+}), not rawPath: behind a custom domain mapping with a base path', async () => {
    await create('orders', { method: 'GET', path: '/mapped/{id}' });
    // api.example.com/v1 → this stage: rawPath keeps /v1, the catch-all's proxy is the path within the API.
    const event = httpApiEvent({ method: 'GET', path: '/v1/mapped/42', route: '/{proxy+}', pathParameters: { proxy: 'mapped/42' } });
    const reply = (await router(event, lambdaContext(30_000, 'router'))) as Reply;
    expect(reply.statusCode).toBe(200);
    expect(captured.at(-1)!.event).toMatchObject({ routeKey: 'GET /mapped/{id}', pathParameters: { id: '42' } });
  });

  it('queues an async route: 202 with the task id and Location, a queued record, a message on the process queue', async () => {
    await create('registered', { method: 'POST', path: '/signups', mode: 'async' });
    const reply = await call({ method: 'POST', path: '/signups', headers: { 'content-type': 'application/json', authorization: 'Bearer secret' }, body: JSON.stringify({ name: 'ada' }) });
    expect(reply.statusCode).toBe(202);
    const { taskId, status } = JSON.parse(reply.body) as { taskId: string; status: string };
    expect(status).toBe('queued');
    expect(reply.headers.location).toBe(`/sluice/tasks/${taskId}`);
    expect(captured).toHaveLength(0);
    const record = await stack.store.get(taskId);
    expect(record).toMatchObject({ status: 'queued', process: 'registered', trigger: { type: 'http', method: 'POST', path: '/signups', route: '/signups' } });
    const messages = await stack.receive(stack.queues.registered!.url);
    const envelope = messages.map((m) => JSON.parse(m.Body!) as { taskId: string; payload: { body: unknown; headers: Record<string, string> } }).find((e) => e.taskId === taskId);
    expect(envelope?.payload.body).toEqual({ name: 'ada' });
    // Credentials do not travel with a queued task.
    expect(envelope?.payload.headers.authorization).toBeUndefined();
  });

  it('refuses a malformed async body (400) before anything is queued', async () => {
    // The input JSON Schemas are written at package time; without the file, the worker validates (as for POST /sluice/tasks).
    const reply = await call({ method: 'POST', path: '/signups', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(reply.statusCode).toBe(400);
  });

  it('answers 404 Not Found, as the embedded runtime, for an unknown path and for a method the route does not take', async () => {
    const unknown = await call({ method: 'GET', path: '/nothing/here' });
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ error: 'NotFound', message: 'Not Found' });
    await create('orders', { method: 'PUT', path: '/carts/{cartId}' });
    const wrongMethod = await call({ method: 'DELETE', path: '/carts/c1' });
    expect(wrongMethod.statusCode).toBe(404);
    expect(JSON.parse(wrongMethod.body)).toEqual({ error: 'NotFound', message: 'Not Found' });
    expect(captured).toHaveLength(0);
  });

  it('does not serve a runtime route of a process this deployment does not declare (404)', async () => {
    await create('retired', { method: 'GET', path: '/retired/{id}' });
    expect((await call({ method: 'GET', path: '/retired/1' })).statusCode).toBe(404);
    expect(captured).toHaveLength(0);
  });

  it('stops serving a paused route on the next request (404) and serves it again once resumed', async () => {
    const trigger = await create('orders', { method: 'GET', path: '/pausable' });
    expect((await call({ method: 'GET', path: '/pausable' })).statusCode).toBe(200);
    await triggers.update(trigger.triggerId, { paused: true }, 'test');
    expect((await call({ method: 'GET', path: '/pausable' })).statusCode).toBe(404);
    await triggers.update(trigger.triggerId, { paused: false }, 'test');
    expect((await call({ method: 'GET', path: '/pausable' })).statusCode).toBe(200);
  });

  it('serves a route created after its first request on the very next request, and costs one GetItem per request otherwise', async () => {
    expect((await call({ method: 'POST', path: '/late/1' })).statusCode).toBe(404);
    await create('orders', { method: 'POST', path: '/late/{n}' });
    const reply = await call({ method: 'POST', path: '/late/1', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ pathParameters: { n: '1' }, body: { a: 1 } });
    // Nothing changed since: the table is reused after reading the registry's generation only.
    stack.counter.reset();
    expect((await call({ method: 'GET', path: '/unknown' })).statusCode).toBe(404);
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.GetItem': 1 });
  });

  it('answers 502 with a JSON error when the process function fails (FunctionError), leaking nothing', async () => {
    await create('crashing', { method: 'ANY', path: '/crash/{proxy+}' });
    const reply = await call({ method: 'GET', path: '/crash/a/b' });
    expect(reply.statusCode).toBe(502);
    expect(JSON.parse(reply.body)).toEqual({ error: 'BadGateway', message: 'the process function failed' });
    expect(reply.body).not.toContain('killed');
    expect(captured[0]?.event).toMatchObject({ routeKey: 'ANY /crash/{proxy+}', pathParameters: { proxy: 'a/b' } });
  });

  it('refuses a body over maxPayloadBytes with 413 before invoking anything', async () => {
    const reply = await call({ method: 'POST', path: '/late/2', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000) });
    expect(reply.statusCode).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'PayloadTooLargeError' });
    expect(captured).toHaveLength(0);
  });

  it('never serves a route registered with an authorizer (403): the catch-all route has none', async () => {
    await create('orders', { method: 'GET', path: '/guarded', authorizer: 'aws_iam' });
    const reply = await call({ method: 'GET', path: '/guarded' });
    expect(reply.statusCode).toBe(403);
    expect(captured).toHaveLength(0);
  });

  it('answers 504 when the process function does not answer before the router must', async () => {
    const slow: LambdaHandler = () => new Promise(() => undefined);
    const { region, credentials } = awsEndpoints();
    const capturedSlow: CapturedInvoke[] = [];
    const service = lambdaService({ [fnName('orders')]: slow }, capturedSlow);
    // The transport honours the abort signal as the SDK's node handler does.
    const abortable = { ...service, handle: (request: Parameters<typeof service.handle>[0], options?: { abortSignal?: AbortSignal }) => new Promise<never>((_, reject) => {
      void service.handle(request);
      options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
    }) };
    const slowLambda = new LambdaClient({ region, credentials, maxAttempts: 1, requestHandler: abortable });
    const slowRouter = stack.routerHandler(triggerTable, slowLambda);
    const started = Date.now();
    const reply = (await slowRouter(httpApiEvent({ method: 'GET', path: '/pausable', route: '/{proxy+}', pathParameters: { proxy: 'pausable' } }), lambdaContext(1500, 'router'))) as Reply;
    expect(reply.statusCode).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(capturedSlow).toHaveLength(1);
    slowLambda.destroy();
  });
});
