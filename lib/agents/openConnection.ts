import type { AgentConnection } from '../core/agents/AgentConnection.js';
import type { AgentHost } from '../core/agents/AgentHost.js';
import { ConfigError } from '../core/errors.js';
import type { ConnectionDeclaration } from '../config/connections/parseConnections.js';

/**
 * Opens one connection (secrets resolved) with the adapter of its type.
 *
 * @param pgliteUrl the embedded database's URL, for a `pglite` connection
 * @throws {ConfigError} for a type without an adapter here
 */
export function openConnection(connection: ConnectionDeclaration, _host: AgentHost, _pgliteUrl?: string): AgentConnection<unknown> {
  throw new ConfigError(`connection '${connection.name}': type '${connection.type}' has no adapter`);
}
