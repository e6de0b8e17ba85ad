import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRuntime } from '../../../lib/embedded/runtime/EmbeddedRuntime.js';
import { silentRuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/agents/serverless.yml');
const CRM_TOKEN = 'crm-secret-token-7f3a9c1e';

/** Agents through named connections, end to end: serverless.yml → start-up (secrets from the environment) → worker thread → agent → real local servers. */
describe('agents on the embedded runtime', () => {
  let crm: Server;
  let smtp: SMTPServer;
  const crmRequests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
  const mails: string[] = [];
  let h: Harness;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    crm = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        crmRequests.push({ method: request.method!, url: request.url!, headers: request.headers, body });
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c-1' }));
      });
    });
    await new Promise<void>((done) => crm.listen(0, '127.0.0.1', done));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => (mails.push(text), callback()));
      },
    });
    await new Promise<void>((done) => smtp.listen(0, '127.0.0.1', done));
    env = {
      ...process.env,
      CRM_URL: `http://127.0.0.1:${(crm.address() as AddressInfo).port}/api`,
      CRM_TOKEN,
      SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    };
    h = await startHarness({ configPath: CONFIG, env });
  });
  afterAll(async () => {
    await h?.stop();
    crm?.close();
    await new Promise<void>((done) => (smtp ? smtp.close(() => done()) : done()));
  });

  it('a logic reaches its granted connections: the CRM gets the request with the secret token, the mail goes out', async () => {
    const res = await h.call('/push', { method: 'POST', json: { email: 'ada@example.com' }, auth: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ crm: { status: 201, body: { id: 'c-1' } }, mailedTo: ['ops@example.com'] });
    expect(crmRequests.at(-1)).toMatchObject({ method: 'POST', url: '/api/contacts', body: '{"email":"ada@example.com"}' });
    expect(crmRequests.at(-1)!.headers.authorization).toBe(`Bearer ${CRM_TOKEN}`);
    expect(mails.at(-1)).toContain('Subject: contact pushed');

    // One log line per agent call, tagged with its logic; the secret is nowhere in the stored task.
    const task = await h.task(res.headers.get('x-sluice-task-id')!);
    const agentLines = task.logs.filter((line) => (line.data as { connection?: string } | undefined)?.connection !== undefined);
    expect(agentLines.map((line) => [line.logic, (line.data as { connection: string }).connection])).toEqual([
      ['push', 'crm'],
      ['notify', 'alerts'],
    ]);
    expect(JSON.stringify(task)).not.toContain(CRM_TOKEN);
  });

  it('the database agent loads and queries the embedded database (PGlite) from a worker thread, with exact numerics', async () => {
    const first = await h.call('/tally', { method: 'POST', json: { rows: [{ id: 1, label: 'a', amount: '10.10' }, { id: 2, label: 'b', amount: '0.20' }] }, auth: false });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ n: '2', total: '10.30' });
    // Merge: id 2 is updated, id 3 added.
    const second = await h.call('/tally', { method: 'POST', json: { rows: [{ id: 2, label: 'b', amount: '5.00' }, { id: 3, label: 'c', amount: '1.01' }] }, auth: false });
    expect(second.body).toEqual({ n: '3', total: '16.11' });
  });

  it('a connection the function is not granted fails the task for good, naming it', async () => {
    const res = await h.call('/sneaky', { auth: false });
    expect(res.status).toBe(500);
    const task = await h.task(res.headers.get('x-sluice-task-id')!);
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ name: 'ConnectionNotGrantedError', logic: 'reach' });
    expect(task.error!.message).toContain("function 'sneaky' may not use connection 'crm'");
  });

  it('refuses to start when a secret variable is missing, naming the setting and the variable', async () => {
    const { CRM_TOKEN: _unset, ...without } = env;
    const started = EmbeddedRuntime.start({ configPath: CONFIG, dataDir: `${h.dataDir}-missing`, port: 0, apiToken: 'x'.repeat(32), log: silentRuntimeLog, env: without });
    await expect(started).rejects.toThrow(/custom\.sluice\.connections\.crm\.auth\.token.*CRM_TOKEN/);
  });
});
