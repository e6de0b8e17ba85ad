/**
 * The ceiling of the sync benchmark: a bare node:http server reading every
 * request's JSON body and answering with the same JSON as the bench processes.
 *
 *   node bench/servers/bareHttpServer.mjs --port N
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { REPLY } from '../fixtures/trivial/functions/reply.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('--port N is required');

const body = JSON.stringify(REPLY);
const server = createServer((req, res) => {
  // Read and parse the JSON body, as every variant of the benchmark does.
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`bare node:http on http://127.0.0.1:${port}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
