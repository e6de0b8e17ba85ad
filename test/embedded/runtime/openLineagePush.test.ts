import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schema from '../../../lib/core/openlineage/runEvent.schema.json' with { type: 'json' };
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/events/serverless.openlineage.yml');

/** custom.sluice.openlineage on the embedded runtime: every finished task pushed as an OpenLineage run, and exported. */
describe('OpenLineage push and export on the embedded runtime', () => {
  let h: Harness;
  let server: Server;
  const received: Array<{ body: any; authorization: string | undefined }> = [];
  const validate = new Ajv2020({ strict: false }).compile(schema);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ body: JSON.parse(body), authorization: req.headers.authorization });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await startHarness({ configPath: CONFIG, env: { ...process.env, TEST_OPENLINEAGE_URL: url, TEST_OPENLINEAGE_KEY: 'lineage-key-123' } });
  });
  afterAll(async () => {
    await h?.stop();
    server?.close();
  });

  it('pushes START and COMPLETE of a task with its datasets, valid against the schema, with the key', async () => {
    const submitted = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'load', payload: {} } });
    const taskId = submitted.body.taskId as string;
    await h.waitForTask(taskId);
    const mine = await eventually(async () => {
      const found = received.filter((r) => r.body.job.name === 'load' && r.body.eventType === 'COMPLETE');
      return found.length > 0 ? found : undefined;
    }, { what: 'the COMPLETE event of the load' });
    const complete = mine[0]!.body;
    expect(validate(complete), JSON.stringify(validate.errors)).toBe(true);
    expect(mine[0]!.authorization).toBe('Bearer lineage-key-123');
    expect(complete.job).toEqual({ namespace: 'events-fixture', name: 'load' });
    expect(complete.inputs).toEqual([expect.objectContaining({ namespace: 's3://landing', name: 'orders.csv' })]);
    expect(complete.outputs).toEqual([expect.objectContaining({ namespace: 'postgres://warehouse:5432', name: 'public.orders' })]);
    const start = received.find((r) => r.body.eventType === 'START' && r.body.run.runId === complete.run.runId);
    expect(start).toBeDefined();

    // The same run in the export.
    const exported = await h.call('/sluice/openlineage/events?limit=100');
    expect(exported.status).toBe(200);
    const runs = exported.body.items.filter((e: { run: { runId: string } }) => e.run.runId === complete.run.runId);
    expect(runs.map((e: { eventType: string }) => e.eventType)).toEqual(['START', 'COMPLETE']);
    for (const event of exported.body.items) expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect((await h.call('/sluice/openlineage/events?since=not-a-time')).status).toBe(400);
    expect((await h.call('/sluice/openlineage/events', { auth: false })).status).toBe(401);
  });
});
