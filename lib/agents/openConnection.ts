import type { AgentConnection, AgentKind } from '../core/agents/AgentConnection.js';
import type { AgentHost } from '../core/agents/AgentHost.js';
import { assertNever } from '../core/errors.js';
import type { ConnectionDeclaration } from '../config/connections/parseConnections.js';
import type { Resolved } from '../config/connections/secretRef.js';
import type { DatabaseSettings } from '../config/connections/databaseSettings.js';
import type { FileSettings } from '../config/connections/fileSettings.js';
import type { HttpSettings } from '../config/connections/httpSettings.js';
import type { MailSettings } from '../config/connections/mailSettings.js';

/** Opens one connection (secrets resolved); `pgliteUrl` is the embedded database's URL for a `pglite` connection. */
export type ConnectionOpener = (connection: ConnectionDeclaration, host: AgentHost, pgliteUrl?: string) => AgentConnection<unknown>;

/**
 * Loads the adapters of `kinds` only, and returns what opens a connection of
 * one of them. Each kind's adapter (and its driver: pg and mysql2, the S3
 * client and ssh2, undici, nodemailer) is imported on demand: a Lambda
 * container or worker thread initialises only the drivers of the
 * connections its function is granted, and a function granted none, none.
 *
 * The settings were validated against the type's schema when
 * `serverless.yml` was read (`parseConnections`), so they are taken as that
 * schema's output here.
 */
export async function loadConnectionOpener(kinds: Iterable<AgentKind>): Promise<ConnectionOpener> {
  const openers = new Map<AgentKind, ConnectionOpener>();
  await Promise.all([...new Set(kinds)].map(async (kind) => openers.set(kind, await loadOpener(kind))));
  return (connection, host, pgliteUrl) => openers.get(connection.kind)!(connection, host, pgliteUrl);
}

async function loadOpener(kind: AgentKind): Promise<ConnectionOpener> {
  switch (kind) {
    case 'db': {
      const { createDatabaseConnection } = await import('./database/createDatabaseConnection.js');
      return ({ name, settings }, host, pgliteUrl) => createDatabaseConnection(name, settings as Resolved<DatabaseSettings>, host, pgliteUrl !== undefined ? { pgliteUrl } : {});
    }
    case 'files': {
      const { createFileConnection } = await import('./files/createFileConnection.js');
      return ({ name, settings }, host) => createFileConnection(name, settings as Resolved<FileSettings>, host);
    }
    case 'http': {
      const { createHttpConnection } = await import('./http/createHttpConnection.js');
      return ({ name, settings }, host) => createHttpConnection(name, settings as Resolved<HttpSettings>, host);
    }
    case 'mail': {
      const { createMailConnection } = await import('./mail/createMailConnection.js');
      return ({ name, settings }, host) => createMailConnection(name, settings as Resolved<MailSettings>, host);
    }
    default:
      return assertNever(kind, 'agent kind');
  }
}
