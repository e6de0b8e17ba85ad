import { Worker } from 'node:worker_threads';

export interface PgliteServerOptions {
  /** Absolute directory of the runtime's databases (created when missing). */
  dataDir: string;
  /** The database's file name under `dataDir` (`pglite:<name>`, or the connection's name). */
  name: string;
  /**
   * Most client connections at once (every worker thread's pool counts).
   * @default 64
   */
  maxConnections?: number;
  /** Milliseconds PGlite may take to open (its WASM compiles on first start). @default 60000 */
  startTimeoutMs?: number;
}

export interface PgliteServer {
  /**
   * `postgres://postgres@localhost/postgres?host=<socket directory>`: the url
   * the pg adapter connects to (`createDatabaseConnection`'s `pgliteUrl`),
   * through the Unix socket `<socket directory>/.s.PGSQL.5432`.
   */
  url: string;
  /** Stops the server and closes the database (its files stay). Idempotent. */
  close(): Promise<void>;
}

const ENTRY = new URL('./pgliteServerWorker.mjs', import.meta.url);

/**
 * Serves one file-backed PGlite database (PostgreSQL compiled to WASM) on a
 * Unix domain socket through pglite-socket's PGLiteSocketServer, so
 * worker threads reach it with the same pg adapter, driver and type mapping
 * as a PostgreSQL server. It runs in a thread of its own: PGlite executes a
 * statement synchronously, and a long one would otherwise block the caller's
 * event loop.
 *
 * Access: PGlite takes any user name and password as its superuser, so the
 * socket is the access control. It lives in a directory only the runtime's
 * user can enter (mode 0700): `<dataDir>/.<name>.socket/`, or a fresh
 * `sluice-pglite-*` directory under the temporary directory when that path
 * is too long for a socket (about 100 bytes). Never TCP: any local process
 * could connect to a port on 127.0.0.1. Processes of the same user (and
 * root) can still connect, as they can read the database's files.
 *
 * Limits, from PGlite being one PostgreSQL session multiplexed over the
 * connections:
 * - statements of all connections run one at a time; an open transaction
 *   holds back every other connection's statements until it ends;
 * - a CancelRequest is ignored: an aborted call closes its connection (the
 *   multiplexer rolls back its open transaction) but the running statement
 *   goes on to its end, holding the database meanwhile;
 * - no COPY FROM STDIN through the socket (the adapter loads with INSERTs);
 * - `statement_timeout` is not enforced.
 *
 * @throws Error  a name that is not a plain file name; PGlite could not open the database (a corrupt or locked directory) or did not start in time
 */
export function startPgliteServer(options: PgliteServerOptions): Promise<PgliteServer> {
  // The name becomes a path under dataDir: never a separator or a dot-dot.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$/.test(options.name)) return Promise.reject(new Error(`'${options.name}' is not a PGlite database name (letters, digits, '_' and '-')`));
  const thread = new Worker(ENTRY, {
    workerData: { dataDir: options.dataDir, name: options.name, maxConnections: options.maxConnections ?? 64 },
    name: `sluice:pglite:${options.name}`,
    // Plain JavaScript: the parent's loaders (`--import tsx`) would only slow the start.
    execArgv: [],
  });
  return new Promise<PgliteServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`PGlite '${options.name}' did not start within ${options.startTimeoutMs ?? 60_000} ms`));
      void thread.terminate();
    }, options.startTimeoutMs ?? 60_000);
    thread.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    thread.once('message', (message: { type: 'ready'; socketDir: string } | { type: 'failed'; message: string }) => {
      clearTimeout(timer);
      if (message.type === 'failed') {
        reject(new Error(`PGlite '${options.name}' did not start: ${message.message}`));
        void thread.terminate();
        return;
      }
      let closed: Promise<void> | undefined;
      resolve({
        // pg reads a host that is an absolute path as a Unix socket directory.
        url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(message.socketDir)}`,
        close: () => (closed ??= stop(thread)),
      });
    });
  });
}

/** Asks the thread to close the database cleanly (flushes its files), then ends it. */
function stop(thread: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => void thread.terminate().then(() => resolve()), 10_000);
    thread.once('message', () => {
      clearTimeout(timer);
      void thread.terminate().then(() => resolve());
    });
    thread.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    thread.postMessage({ type: 'close' });
  });
}
