/**
 * Async payloads are validated at submission on AWS too: the platform
 * function checks them against the input JSON Schemas written at package
 * time (`writeInputSchemas`) and answers 400 with the embedded runtime's
 * body shape. Processes whose schema has no JSON form fall back to the
 * worker. On the emulators, through the real handlers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { encodeInputSchemas } from '../../../lib/aws/config/inputSchemaCatalog.js';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { submitTask } from '../../../lib/core/runner/submitTask.js';
import { errorReply } from '../../../lib/http/httpResponses.js';
import { defineProcess } from '../../../lib/index.js';
import { inputJsonSchema } from '../../../lib/serverless/writeInputSchemas.js';
import { httpApiEvent, lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

const orders = defineProcess({
  name: 'orders',
  input: z.strictObject({ orderId: z.string().min(1), qty: z.number().int().positive().default(1), tags: z.array(z.string()).optional() }),
  logics: [{ name: 'take', run: () => undefined }],
  aggregator: { name: 'done', run: (ctx) => ctx.input },
});
const dated = defineProcess({
  name: 'dated',
  input: z.object({ at: z.date() }),
  logics: [{ name: 'take', run: () => undefined }],
  aggregator: { name: 'done', run: () => 'ok' },
});

let stack: LambdaStack;
let platform: LambdaHandler;
let dir: string;

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [
      { name: 'orders', timeoutSeconds: 10 },
      { name: 'dated', timeoutSeconds: 10 },
    ],
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-schemas-'));
  const schemas: Record<string, object> = {};
  for (const definition of [orders.definition, dated.definition]) {
    const converted = inputJsonSchema(definition.input!);
    if ('schema' in converted) schemas[definition.name!] = converted.schema;
  }
  // As the plugin writes it: `dated` (z.date()) has no JSON Schema form and is left out.
  expect(Object.keys(schemas)).toEqual(['orders']);
  writeFileSync(path.join(dir, 'input-schemas.json'), encodeInputSchemas(schemas));
  platform = stack.platformHandler({ [SLUICE_ENV.inputSchemas]: path.join(dir, 'input-schemas.json') });
});
afterAll(async () => {
  await stack?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function submit(process: string, payload: unknown) {
  const event = httpApiEvent(
    { method: 'POST', path: '/sluice/tasks', route: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process, payload }) },
    'platform',
  );
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
  return { status: reply.statusCode, body: JSON.parse(reply.body) as Record<string, any> };
}

/** What the embedded runtime answers for the same submission (its zod check, its error mapping). */
async function embeddedReply(payload: unknown) {
  const dispatcher = { dispatch: () => Promise.reject(new Error('not reached')) };
  try {
    await submitTask({ name: 'orders', taskQueue: 'q', definition: orders.definition }, { payload }, { dispatcher, clock: { now: () => 0 } as never, retentionSeconds: 1 });
  } catch (error) {
    const reply = errorReply(error);
    return { status: reply.status, body: JSON.parse(reply.body) as Record<string, any> };
  }
  throw new Error('expected a validation error');
}

describe('AWS: async payloads validated at submission', () => {
  it.each([
    ['a missing field', { qty: 2 }, ['orderId']],
    ['a wrong type', { orderId: 7 }, ['orderId']],
    ['an unknown key of a strict object', { orderId: 'o', extra: true }, ['(root)']],
    ['a bad array item and a bad number', { orderId: 'o', qty: 0, tags: ['a', 1] }, ['qty', 'tags.1']],
    ['not an object', 'text', ['(root)']],
  ])('answers 400 for %s, with the embedded body shape and the same paths, and queues nothing', async (_label, payload, paths) => {
    const reply = await submit('orders', payload);
    const embedded = await embeddedReply(payload);
    expect(reply.status).toBe(400);
    expect(embedded.status).toBe(400);
    expect(Object.keys(reply.body).sort()).toEqual(Object.keys(embedded.body).sort());
    expect(reply.body).toMatchObject({ error: 'ValidationError', message: expect.stringMatching(/^input does not match the schema: /) });
    expect(reply.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(paths);
    expect(embedded.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(paths);
    expect(await stack.receive(stack.queues.orders!.url, { waitSeconds: 0 })).toEqual([]);
  });

  it('accepts a valid payload (defaults make fields optional) and the worker runs it', async () => {
    const reply = await submit('orders', { orderId: 'o-1' });
    expect(reply.status).toBe(202);
    const messages = await stack.receive(stack.queues.orders!.url, { waitSeconds: 1 });
    expect(messages).toHaveLength(1);
    const worker = stack.processHandler(orders.definition);
    await worker(sqsEventOf(stack.queues.orders!.arn, messages), lambdaContext(30_000));
    expect(await stack.store.get(reply.body.taskId)).toMatchObject({ status: 'succeeded', result: { orderId: 'o-1', qty: 1 } });
  });

  it('leaves a process whose schema has no JSON form to the worker: 202, then a failed task', async () => {
    const reply = await submit('dated', { at: 'not a date' });
    expect(reply.status).toBe(202);
    const messages = await stack.receive(stack.queues.dated!.url, { waitSeconds: 1 });
    await stack.processHandler(dated.definition)(sqsEventOf(stack.queues.dated!.arn, messages), lambdaContext(30_000));
    expect(await stack.store.get(reply.body.taskId)).toMatchObject({ status: 'failed', error: { kind: 'validation' } });
  });
});
