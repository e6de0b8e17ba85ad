/**
 * An informational row of the sync benchmark: the HTTP stack the embedded
 * runtime is built on (Hono on @hono/node-server) answering with the same
 * JSON and nothing else: no task, no database. The gap between this and
 * bare node:http is the framework's; the gap between this and the embedded
 * runtime is Sluice's.
 *
 *   node bench/servers/honoServer.mjs --port N
 */
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { REPLY } from '../fixtures/trivial/functions/reply.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('--port N is required');

const body = JSON.stringify(REPLY);
const app = new Hono();
app.post('/plain/:id', async (c) => {
  // Read and parse the JSON body, as every variant of the benchmark does.
  await c.req.json();
  return c.body(body, 200, { 'content-type': 'application/json; charset=utf-8' });
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => process.stdout.write(`Hono on http://127.0.0.1:${port}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
