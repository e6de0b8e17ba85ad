import { resolveDatabaseEngine, type DatabaseSettings } from '../config/connections/databaseSettings.js';
import type { ConnectionDeclaration } from '../config/connections/parseConnections.js';
import { isSecretRef, secretRefsIn, type Resolved } from '../config/connections/secretRef.js';

/**
 * Driver packages of the agents, by what needs them. A service that declares
 * no connection of a kind never loads its adapter (adapters are imported on
 * demand, see `loadConnectionOpener`), so its bundles can leave the driver out.
 */
const DRIVERS = {
  postgres: ['pg', 'pg-cursor', 'pg-copy-streams'],
  mysql: ['mysql2'],
  files: ['csv-parse', 'csv-stringify', 'stream-json', 'hyparquet'],
  sftp: ['ssh2-sftp-client', 'ssh2'],
  http: ['undici'],
  mail: ['nodemailer'],
  secrets: ['@aws-lambda-powertools/parameters'],
} as const;

/**
 * Never bundled: the embedded database (PGlite is the embedded runtime's
 * only; the AWS packager refuses it) and `cpu-features`, ssh2's optional
 * native addon, which a bundler cannot resolve (ssh2 works without it).
 */
const NEVER_BUNDLED = ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'cpu-features'];

/**
 * The packages serverless-esbuild should leave out of this service's bundles
 * (`custom.esbuild.exclude`): those of agent kinds and connection types the
 * service does not declare, plus {@link NEVER_BUNDLED}. A database whose URL
 * is a secret reference keeps both SQL drivers (its engine is known at run
 * time only).
 */
export function unusedAgentPackages(connections: readonly ConnectionDeclaration[]): string[] {
  const used = new Set<keyof typeof DRIVERS>();
  for (const connection of connections) {
    if (secretRefsIn(connection.settings).some((ref) => ref.ssm !== undefined || ref.secretsManager !== undefined)) used.add('secrets');
    switch (connection.kind) {
      case 'db': {
        const url = connection.settings.url;
        if (isSecretRef(url)) {
          used.add('postgres').add('mysql');
          break;
        }
        const engine = safeEngine(connection);
        if (engine === 'mysql') used.add('mysql');
        else used.add('postgres');
        break;
      }
      case 'files':
        used.add('files');
        if (connection.type === 'sftp') used.add('sftp');
        break;
      case 'http':
        used.add('http');
        break;
      case 'mail':
        used.add('mail');
        break;
    }
  }
  const unused = (Object.keys(DRIVERS) as Array<keyof typeof DRIVERS>).filter((group) => !used.has(group)).flatMap((group) => DRIVERS[group]);
  return [...NEVER_BUNDLED, ...unused];
}

function safeEngine(connection: ConnectionDeclaration): string | undefined {
  try {
    return resolveDatabaseEngine(connection.settings as Resolved<DatabaseSettings>, connection.name).engine;
  } catch {
    return undefined;
  }
}

/**
 * `custom.esbuild` with {@link unusedAgentPackages} added to its `exclude`
 * (serverless-esbuild's default, `aws-sdk`, kept when the service sets none).
 * Returns undefined when the service does not bundle with serverless-esbuild.
 */
export function withAgentExclusions(esbuild: unknown, plugins: unknown, connections: readonly ConnectionDeclaration[]): Record<string, unknown> | undefined {
  const bundles = Array.isArray(plugins) ? plugins.includes('serverless-esbuild') : typeof plugins === 'object' && plugins !== null && Array.isArray((plugins as { modules?: unknown }).modules) && (plugins as { modules: unknown[] }).modules.includes('serverless-esbuild');
  if (!bundles) return undefined;
  const base = typeof esbuild === 'object' && esbuild !== null ? { ...(esbuild as Record<string, unknown>) } : {};
  const current = Array.isArray(base.exclude) ? (base.exclude as unknown[]) : typeof base.exclude === 'string' ? [base.exclude] : ['aws-sdk'];
  return { ...base, exclude: [...new Set([...current, ...unusedAgentPackages(connections)])] };
}
