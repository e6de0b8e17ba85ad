import { createServer } from 'node:net';

/**
 * A port that was free on 127.0.0.1 a moment ago (the OS picks it). For
 * servers that must be told their port up front; another process could
 * take it in between, which start-up then reports as an error.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
