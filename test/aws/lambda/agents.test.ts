import { SSMClient } from '@aws-sdk/client-ssm';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSecretResolver } from '../../../lib/agents/secrets/AwsSecretResolver.js';
import { composeProcessDeps, createProcessHandler } from '../../../lib/aws/lambda/processHandler.js';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import { parseConnections } from '../../../lib/config/connections/parseConnections.js';
import { CONNECTION_TYPES } from '../../../lib/config/connections/connectionTypes.js';
import { defineProcess, processDefinitionOf } from '../../../lib/index.js';
import { writeTestCatalog } from '../../helpers/deploymentCatalog.js';
import { httpApiEvent, lambdaContext } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';
import { createKvTable } from '../../setup/awsResources.js';

const TOKEN = 'ssm-held-token-4b8e21';
const PARAMETER = '/agents-test/crm-token';

const push = defineProcess({
  name: 'push',
  logics: [{ name: 'call', run: async (ctx) => ctx.session.set('status', (await ctx.http('crm').fetch('/ping')).status) }],
  aggregator: { name: 'done', run: (ctx) => ({ status: ctx.session.get('status') }) },
});

/**
 * The AWS composition root: the process handler reads its connections from
 * the bundled deployment catalog, resolves the SSM reference at run time
 * (through the real SDK client, against a local SSM endpoint: no emulator
 * has SSM), and hands the agents to the task, which reaches a local server.
 */
describe('agents on the Lambda runtime', () => {
  let stack: LambdaStack;
  let ssm: Server;
  let crm: Server;
  let ssmCalls = 0;
  const crmHeaders: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    ssm = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        ssmCalls++;
        const name = (JSON.parse(body) as { Name: string }).Name;
        if (request.headers['x-amz-target'] !== 'AmazonSSM.GetParameter' || name !== PARAMETER) {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'ParameterNotFound' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Value: TOKEN, Version: 1 } }));
      });
    });
    crm = createServer((request, response) => {
      crmHeaders.push(request.headers);
      response.writeHead(204).end();
    });
    await Promise.all([ssm, crm].map((server) => new Promise<void>((done) => server.listen(0, '127.0.0.1', done))));
    stack = await createLambdaStack({ processes: [{ name: 'push', timeoutSeconds: 10 }], maxReceiveCount: 3, visibilityTimeoutSeconds: 10 });
  });
  afterAll(async () => {
    await stack?.destroy();
    ssm?.close();
    crm?.close();
  });

  const catalogWith = (token: unknown) =>
    writeTestCatalog({
      processes: [{ name: 'push', handler: { file: '/f.ts', export: 'handler', declared: 'f.handler' }, timeoutSeconds: 10, http: [], queues: [], schedules: [], subscriptions: [], environment: {}, connections: ['crm'] }],
      connections: parseConnections(
        { crm: { type: 'http', baseUrl: `http://127.0.0.1:${(crm.address() as AddressInfo).port}`, allowCidrs: ['127.0.0.1/32'], auth: { type: 'bearer', token } } },
        CONNECTION_TYPES,
      ),
    });
  const resolver = () =>
    new AwsSecretResolver({
      ssmClient: new SSMClient({ endpoint: `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    });

  it('resolves the SSM reference once per container and the task reaches its connection with it', async () => {
    const deps = await composeProcessDeps(stack.processEnv('push', { [SLUICE_ENV.catalog]: catalogWith({ ssm: PARAMETER }) }), resolver());
    // The test's DynamoDB Local client instead of the environment's (no region here).
    deps.dynamo.destroy();
    const handler = createProcessHandler(processDefinitionOf(push.handler)!, { ...deps, dynamo: stack.dynamo });
    for (let i = 0; i < 2; i++) {
      const reply = (await handler(httpApiEvent({ method: 'POST', path: '/push' }), lambdaContext())) as { statusCode: number; body: string; headers: Record<string, string> };
      expect(reply.statusCode).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ status: 204 });
      const stored = await stack.store.get(reply.headers['x-sluice-task-id']!);
      expect(JSON.stringify(stored)).not.toContain(TOKEN);
    }
    expect(crmHeaders.map((headers) => headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(ssmCalls).toBe(1);
  });

  it('ctx.kv is the DynamoDB table of the function, and /sluice/kv on the platform API reads the same entries', async () => {
    const table = `${stack.tableName}-kv`;
    await createKvTable(stack.dynamo, table);
    const kvEnv = { [SLUICE_ENV.kvTable]: table, [SLUICE_ENV.kvMaxTtlSeconds]: '3600' };
    const counter = defineProcess({
      name: 'push',
      logics: [{ name: 'count', run: async (ctx) => ctx.session.set('n', await ctx.kv.increment('runs')) }],
      aggregator: { name: 'done', run: (ctx) => ({ n: ctx.session.get('n') }) },
    });
    const handler = stack.processHandler(processDefinitionOf(counter.handler)!, kvEnv);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = (await handler(httpApiEvent({ method: 'POST', path: '/push' }), lambdaContext())) as { statusCode: number; body: string };
      counts.push(JSON.parse(reply.body).n);
    }
    expect(counts).toEqual([1, 2, 3]);
    const platform = stack.platformHandler(kvEnv);
    const read = (await platform(httpApiEvent({ method: 'GET', path: '/sluice/kv/runs', route: '/sluice/kv/{key+}', pathParameters: { key: 'runs' } }, 'platform'), lambdaContext())) as { statusCode: number; body: string };
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ key: 'runs', value: 3 });
  });

  it('a parameter that cannot be read fails the container start, naming the setting and the parameter, never a value', async () => {
    const composed = composeProcessDeps(stack.processEnv('push', { [SLUICE_ENV.catalog]: catalogWith({ ssm: '/agents-test/missing' }) }), resolver());
    await expect(composed).rejects.toThrow(/custom\.sluice\.connections\.crm\.auth\.token.*\/agents-test\/missing/);
  });
});
