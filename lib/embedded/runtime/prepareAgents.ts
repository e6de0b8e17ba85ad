import type { AgentGrants } from '../../agents/composeAgents.js';
import { EnvSecretResolver } from '../../agents/secrets/EnvSecretResolver.js';
import { resolveSecretRefs } from '../../agents/secrets/resolveSecretRefs.js';
import type { ConnectionDeclaration } from '../../config/connections/parseConnections.js';
import type { ServiceManifest } from '../../config/ServiceManifest.js';
import { join } from 'node:path';
import { startPgliteServer, type PgliteServer } from '../../agents/database/PgliteServer.js';
import { resolveDatabaseEngine, type DatabaseSettings } from '../../config/connections/databaseSettings.js';
import type { Resolved } from '../../config/connections/secretRef.js';
import { ConfigError } from '../../core/errors.js';

/** The embedded runtime's side of the agents: what each worker thread composes its agents from. */
export interface EmbeddedAgents {
  /** The grants of function `name`; undefined when the service declares no connection at all. */
  grantsFor(name: string): AgentGrants | undefined;
  /** Stops what the main thread serves (the embedded databases). */
  close(): Promise<void>;
}

/**
 * The main thread's part of the embedded composition root, at start-up:
 * resolves the `env` secret references of every connection some function is
 * granted (a missing variable is a start-up error naming the setting, not a
 * task failure at 3 a.m.) and serves the embedded databases. Connections no
 * function uses are validated (by the manifest) but not resolved.
 *
 * @throws {ConfigError} naming `custom.sluice.connections.<name>.<setting>` and the variable
 */
export async function prepareEmbeddedAgents(manifest: ServiceManifest, options: { env: NodeJS.ProcessEnv; dataDir: string }): Promise<EmbeddedAgents> {
  const used = new Set(manifest.processes.flatMap((process) => process.connections));
  const resolver = new EnvSecretResolver(options.env);
  const resolved = new Map<string, ConnectionDeclaration>();
  for (const connection of manifest.connections.filter((candidate) => used.has(candidate.name))) {
    const settings = (await resolveSecretRefs(connection.settings, resolver, `custom.sluice.connections.${connection.name}`)) as unknown as Record<string, unknown>;
    resolved.set(connection.name, { ...connection, settings });
  }
  const databases = await serveEmbeddedDatabases([...resolved.values()], join(options.dataDir, 'databases'));
  const declared = manifest.connections.map((connection) => connection.name);
  const host = { kind: 'embedded' as const, serviceDir: manifest.serviceDir };
  return {
    grantsFor(name) {
      // Granted nothing, a function still learns the declared names: "not granted" is a better error than "not declared".
      if (declared.length === 0) return undefined;
      const granted = manifest.processes.find((process) => process.name === name)?.connections ?? [];
      return { connections: granted.map((connection) => resolved.get(connection)!), declared, host, pgliteUrls: databases.urls };
    },
    close: () => databases.close(),
  };
}

/**
 * Starts one PGlite server per embedded database the connections use (two
 * connections naming the same database share it), in `directory`.
 *
 * @returns the URL each connection reaches its database at, by connection name
 * @throws {ConfigError} naming the connection whose (resolved) URL names no engine
 */
async function serveEmbeddedDatabases(connections: readonly ConnectionDeclaration[], directory: string): Promise<{ urls: Record<string, string>; close(): Promise<void> }> {
  const byDatabase = new Map<string, string[]>();
  for (const connection of connections.filter((candidate) => candidate.kind === 'db')) {
    let engine;
    try {
      engine = resolveDatabaseEngine(connection.settings as Resolved<DatabaseSettings>, connection.name);
    } catch (error) {
      throw new ConfigError(`custom.sluice.connections.${connection.name}: ${(error as Error).message}`, { cause: error });
    }
    if (engine.engine !== 'pglite') continue;
    const name = engine.name ?? connection.name;
    byDatabase.set(name, [...(byDatabase.get(name) ?? []), connection.name]);
  }
  const servers: PgliteServer[] = [];
  const urls: Record<string, string> = {};
  const close = async () => void (await Promise.allSettled(servers.map((server) => server.close())));
  try {
    // One after another: each compiles PGlite's WASM, and two at once only compete for the same cores.
    for (const [name, users] of byDatabase) {
      const server = await startPgliteServer({ dataDir: directory, name });
      servers.push(server);
      for (const connection of users) urls[connection] = server.url;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls, close };
}
