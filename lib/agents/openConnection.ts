import type { AgentConnection } from '../core/agents/AgentConnection.js';
import type { AgentHost } from '../core/agents/AgentHost.js';
import { ConfigError } from '../core/errors.js';
import type { ConnectionDeclaration } from '../config/connections/parseConnections.js';
import type { Resolved } from '../config/connections/secretRef.js';
import type { HttpSettings } from '../config/connections/httpSettings.js';
import type { MailSettings } from '../config/connections/mailSettings.js';
import type { DatabaseSettings } from '../config/connections/databaseSettings.js';
import type { FileSettings } from '../config/connections/fileSettings.js';
import { createDatabaseConnection } from './database/createDatabaseConnection.js';
import { createFileConnection } from './files/createFileConnection.js';
import { createHttpConnection } from './http/createHttpConnection.js';
import { createMailConnection } from './mail/createMailConnection.js';

/**
 * Opens one connection (secrets resolved) with the adapter of its kind. The
 * settings were validated against the type's schema when `serverless.yml`
 * was read (`parseConnections`), so they are taken as that schema's output.
 *
 * @param pgliteUrl the embedded database's URL, for a `pglite` connection
 * @throws {ConfigError} for a kind without an adapter
 */
export function openConnection(connection: ConnectionDeclaration, host: AgentHost, pgliteUrl?: string): AgentConnection<unknown> {
  const { name, settings } = connection;
  switch (connection.kind) {
    case 'db':
      return createDatabaseConnection(name, settings as Resolved<DatabaseSettings>, host, pgliteUrl !== undefined ? { pgliteUrl } : {});
    case 'files':
      return createFileConnection(name, settings as Resolved<FileSettings>, host);
    case 'http':
      return createHttpConnection(name, settings as Resolved<HttpSettings>, host);
    case 'mail':
      return createMailConnection(name, settings as Resolved<MailSettings>, host);
    default:
      return assertNoAdapter(connection);
  }
}

function assertNoAdapter(connection: ConnectionDeclaration): never {
  throw new ConfigError(`connection '${connection.name}': type '${connection.type}' has no adapter`);
}
