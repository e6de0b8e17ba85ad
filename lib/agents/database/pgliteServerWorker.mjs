// The PGlite server's thread (see PgliteServer.ts). Plain JavaScript: it
// imports only PGlite and its socket server, so it needs no TypeScript loader.
//
// PGlite runs PostgreSQL compiled to WASM synchronously: a statement blocks
// its thread until it ends (pg_sleep(10) blocks for 10 s). In a thread of its
// own it blocks only the database, not the embedded runtime's main thread.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { dataDir, name, maxConnections } = workerData;
/** libpq's socket file name in a socket directory (pg connects to `<host>/.s.PGSQL.<port>`, port 5432 by default). */
const SOCKET_FILE = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 103;

/**
 * A directory only this user can enter (0700), for the Unix socket: PGlite
 * accepts any user and password as superuser, so reaching the socket must
 * be the access control. Next to the database (`.<name>.socket`), or a fresh
 * one under the temporary directory when that path is too long for a socket.
 */
async function privateSocketDir() {
  const beside = join(dataDir, `.${name}.socket`);
  if (Buffer.byteLength(join(beside, SOCKET_FILE)) <= MAX_SOCKET_PATH) {
    // A socket left by a runtime that crashed would make listen() fail with EADDRINUSE.
    await rm(beside, { recursive: true, force: true });
    await mkdir(beside, { mode: 0o700 });
    await chmod(beside, 0o700);
    return beside;
  }
  // mkdtemp creates the directory 0700.
  return mkdtemp(join(tmpdir(), 'sluice-pglite-'));
}

let socketDir;
try {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(join(dataDir, name));
  socketDir = await privateSocketDir();
  const server = new PGLiteSocketServer({ db, path: join(socketDir, SOCKET_FILE), maxConnections });
  await server.start();
  parentPort.on('message', async (message) => {
    if (message?.type !== 'close') return;
    try {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    } finally {
      parentPort.postMessage({ type: 'closed' });
    }
  });
  parentPort.postMessage({ type: 'ready', socketDir });
} catch (error) {
  if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true }).catch(() => {});
  parentPort.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
