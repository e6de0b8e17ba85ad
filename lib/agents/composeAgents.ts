import type { AgentHost } from '../core/agents/AgentHost.js';
import { ConnectionSet, type GrantedConnection, type TaskAgents } from '../core/agents/TaskAgents.js';
import type { ConnectionDeclaration } from '../config/connections/parseConnections.js';
import { loadConnectionOpener } from './openConnection.js';

/**
 * What a function's agents are built from: its granted connections with
 * their secrets resolved (in memory only: never stored, logged or sent
 * anywhere but to the connection's own server), the names of every declared
 * connection, and where they run.
 *
 * Crosses to the embedded runtime's worker threads in `workerData`
 * (structured clone: plain data only).
 */
export interface AgentGrants {
  connections: readonly ConnectionDeclaration[];
  /** Every connection of `custom.sluice.connections`, granted or not. */
  declared: readonly string[];
  host: AgentHost;
  /** Embedded runtime: the URL of each `pglite` database the main thread serves, by connection name. */
  pgliteUrls?: Readonly<Record<string, string>>;
}

/**
 * The composition root of a function's agents, shared by both runtimes: each
 * worker thread calls it once (embedded), each Lambda container once (AWS).
 * Connections open on first use (`ctx.db(name)`), so a function that never
 * uses one opens no pool; the adapters of the kinds it is granted are
 * loaded here (see {@link loadConnectionOpener}).
 */
export async function composeAgents(functionName: string, grants: AgentGrants): Promise<TaskAgents> {
  const openConnection = await loadConnectionOpener(grants.connections.map((connection) => connection.kind));
  const granted = new Map<string, GrantedConnection>();
  for (const connection of grants.connections) {
    granted.set(connection.name, {
      kind: connection.kind,
      type: connection.type,
      open: () => openConnection(connection, grants.host, grants.pgliteUrls?.[connection.name]),
    });
  }
  return new ConnectionSet(functionName, granted, new Set(grants.declared));
}
