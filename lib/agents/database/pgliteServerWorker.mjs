// The PGlite server's thread (see PgliteServer.ts). Plain JavaScript: it
// imports only PGlite and its socket server, so it needs no TypeScript loader.
//
// PGlite runs PostgreSQL compiled to WASM synchronously: a statement blocks
// its thread until it ends (pg_sleep(10) blocks for 10 s). In a thread of its
// own it blocks only the database, not the embedded runtime's main thread.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { dataDir, name, maxConnections } = workerData;

try {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(join(dataDir, name));
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  parentPort.on('message', async (message) => {
    if (message?.type !== 'close') return;
    try {
      await server.stop();
      await db.close();
    } finally {
      parentPort.postMessage({ type: 'closed' });
    }
  });
  parentPort.postMessage({ type: 'ready', port });
} catch (error) {
  parentPort.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
