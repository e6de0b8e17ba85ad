import type { AgentGrants } from '../../agents/composeAgents.js';
import { EnvSecretResolver } from '../../agents/secrets/EnvSecretResolver.js';
import { resolveSecretRefs } from '../../agents/secrets/resolveSecretRefs.js';
import type { ConnectionDeclaration } from '../../config/connections/parseConnections.js';
import type { ServiceManifest } from '../../config/ServiceManifest.js';

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
  const declared = manifest.connections.map((connection) => connection.name);
  const host = { kind: 'embedded' as const, serviceDir: manifest.serviceDir };
  return {
    grantsFor(name) {
      // Granted nothing, a function still learns the declared names: "not granted" is a better error than "not declared".
      if (declared.length === 0) return undefined;
      const granted = manifest.processes.find((process) => process.name === name)?.connections ?? [];
      return { connections: granted.map((connection) => resolved.get(connection)!), declared, host };
    },
    async close() {},
  };
}
