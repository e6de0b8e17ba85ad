import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import type { DatabaseSettings } from '../../lib/config/connections/databaseSettings.js';
import type { Resolved } from '../../lib/config/connections/secretRef.js';
import type { AgentHost } from '../../lib/core/agents/AgentHost.js';
import { agentScope } from './agentScope.js';

/**
 * A TCP relay to a real server whose open connections can be frozen: bytes
 * stop flowing and no FIN or RST is sent — what a pooled connection looks
 * like after a Lambda container was frozen for a while and the server (or a
 * NAT on the way) dropped it. New connections relay normally.
 */
async function freezableRelay(targetPort: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const pairs: Array<[Socket, Socket]> = [];
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const lambda: AgentHost = { kind: 'lambda', serviceDir: '/var/task' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each([
  { engine: 'postgres', serverPort: 5432, settings: (port: number): Resolved<DatabaseSettings> => ({ type: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/test` }) },
  { engine: 'mariadb', serverPort: 3306, settings: (port: number): Resolved<DatabaseSettings> => ({ type: 'mysql', url: `mysql://root@127.0.0.1:${port}/test` }) },
])('database pool on Lambda ($engine)', ({ engine, serverPort, settings }) => {
  it('replaces a pooled connection that died while the container was frozen', async () => {
    const relay = await freezableRelay(serverPort);
    cleanups.push(() => relay.close());
    const connection = createDatabaseConnection(engine, settings(relay.port), lambda);
    cleanups.push(() => connection.close());
    const db = connection.forTask(agentScope(engine).scope);
    expect((await db.query<{ one: unknown }>('SELECT 1 AS one')).rows.map((row) => Number(row.one))).toEqual([1]);

    relay.freeze();
    // Longer than the Lambda policy's 2 s: the next use pings the pooled connection first.
    await sleep(2_200);
    expect((await db.query<{ two: unknown }>('SELECT 2 AS two')).rows.map((row) => Number(row.two))).toEqual([2]);
  });
});
