import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { OpenLineageEmitter } from '../../../lib/agents/openlineage/OpenLineageEmitter.js';
import { readAwsConfig, type AwsProcessConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { createProcessHandler } from '../../../lib/aws/lambda/processHandler.js';
import schema from '../../../lib/core/openlineage/runEvent.schema.json' with { type: 'json' };
import { defineProcess } from '../../../lib/index.js';
import { createDynamoClient } from '../awsTestEnv.js';
import { lambdaContext, sqsEventOf } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

const pusher = defineProcess({
  name: 'pusher',
  input: z.strictObject({ file: z.string() }),
  logics: [{ name: 'load', run: (ctx) => ctx.events.emit({ label: 'orders.loaded', source: `s3://landing/${ctx.input.file}`, target: 'postgres://warehouse:5432/shop.public.orders' }) }],
  aggregator: { name: 'out', run: () => ({ ok: true }) },
});

/** custom.sluice.openlineage on AWS: a process function pushes each finished task's run events before it returns. */
describe('OpenLineage push from a process function', () => {
  let stack: LambdaStack;
  let server: Server;
  const received: Array<{ eventType: string; job: { name: string }; inputs: unknown[]; outputs: unknown[]; auth?: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ ...JSON.parse(body), auth: req.headers.authorization });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    stack = await createLambdaStack({ processes: [{ name: 'pusher', timeoutSeconds: 10 }], maxReceiveCount: 3, visibilityTimeoutSeconds: 30, events: { maxChainDepth: 16 } });
  });
  afterAll(async () => {
    await stack?.destroy();
    server?.close();
  });

  it('sends START and COMPLETE with the datasets, valid OpenLineage, with the key, before the invocation ends', async () => {
    const config = readAwsConfig(stack.processEnv('pusher')) as AwsProcessConfig;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const handler = createProcessHandler(pusher.definition, {
      config,
      dynamo: createDynamoClient(),
      openLineage: { emitter: new OpenLineageEmitter({ url, apiKey: 'k-123' }), source: { namespace: 'shop-test', producer: 'urn:sluice:test' } },
    });
    const queue = stack.queues.pusher!;
    const body = JSON.stringify({ file: 'a.csv' });
    const result = await handler(sqsEventOf(queue.arn, [{ MessageId: 'm-1', ReceiptHandle: 'r-1', Body: body, Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) }, MessageAttributes: {} }]), lambdaContext(30_000));
    expect(result).toEqual({ batchItemFailures: [] });
    // Already there when the handler returned (a Lambda is frozen afterwards).
    const mine = received.filter((event) => event.job.name === 'pusher');
    expect(mine.map((event) => event.eventType)).toEqual(['START', 'COMPLETE']);
    const validate = new Ajv2020({ strict: false }).compile(schema);
    for (const event of mine) {
      const { auth, ...runEvent } = event;
      expect(validate(runEvent), JSON.stringify(validate.errors)).toBe(true);
      expect(auth).toBe('Bearer k-123');
    }
    expect(mine[1]).toMatchObject({ inputs: [{ namespace: 's3://landing', name: 'a.csv' }], outputs: [{ namespace: 'postgres://warehouse:5432', name: 'shop.public.orders' }] });
  });
});
