import { connect } from 'node:net';

/** The CancelRequest code of PostgreSQL's protocol (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80_877_102;

/**
 * Asks a PostgreSQL server to cancel what backend `processId` runs: the
 * protocol's CancelRequest on a new TCP connection (no authentication; the
 * backend's secret key proves the right). Best effort, as in libpq: resolves
 * when sent (or when it could not be), never rejects; the server answers
 * nothing. PGlite's socket server reads and ignores it.
 */
export function sendCancelRequest(host: string, port: number, processId: number, secretKey: number, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(timeoutMs, done);
    socket.once('error', done);
    socket.once('connect', () => {
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      message.writeInt32BE(processId, 8);
      message.writeInt32BE(secretKey, 12);
      socket.end(message, done);
    });
  });
}
