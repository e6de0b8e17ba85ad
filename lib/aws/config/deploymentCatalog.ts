import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import type { ConnectionDeclaration } from '../../config/connections/parseConnections.js';
import type { OpenLineageSettings, ServiceManifest, SluiceSettings } from '../../config/ServiceManifest.js';
import { ConfigError } from '../../core/errors.js';
import { DEFAULT_MAX_CHAIN_DEPTH, subscriptionId, type EventSubscription } from '../../core/events/EventSubscription.js';
import { decodeProcessCatalog, encodeProcessCatalog, type CatalogProcess } from './processCatalog.js';
import type { TriggerCheckSource } from '../../config/checkTriggerSpec.js';
import { staticTriggersOf } from '../../config/staticTriggersOf.js';
import type { StaticTrigger } from '../../core/triggers/TriggerService.js';
import { triggerSpec } from '../../core/triggers/TriggerSpec.js';

/**
 * The deployment catalog: what every Sluice function needs to know about the
 * service beyond its own environment, in one JSON file written at package
 * time and bundled with each function (`package.patterns`), its path in
 * `SLUICE_CATALOG`. A file, not environment variables: Lambda allows 4 KB for
 * a function's whole environment, which held about 20 processes.
 *
 * - `processes`: the process catalog of the platform API (wire form of
 *   `processCatalog.ts`);
 * - `connections`: `custom.sluice.connections` as declared — secret
 *   references (`{ ssm | secretsManager }`), never secret values, which the
 *   functions resolve at run time;
 * - `grants`: the connections each process may use;
 * - `events`: the `dataEvent` subscriptions of every process and
 *   `custom.sluice.events.maxChainDepth`, for the event dispatcher (which
 *   queues the subscribers' tasks) and the processes (whose `ctx.events`
 *   warns at the depth limit);
 * - `triggers`: what the trigger registry needs on AWS (`/sluice/triggers`
 *   on the platform function, the paused state of static schedules and
 *   subscriptions): the static triggers, the declared queues (with their
 *   visibility timeouts: Lambda refuses a mapping whose queue's is shorter
 *   than the function timeout) and authorizers the checks need, each process's deployed function name and
 *   the `MaximumConcurrency` of its SQS mappings.
 */
export interface DeploymentCatalog {
  processes: CatalogProcess[];
  connections: ConnectionDeclaration[];
  grants: Readonly<Record<string, readonly string[]>>;
  events: { maxChainDepth: number; subscriptions: EventSubscription[] };
  /** `custom.sluice.openlineage`: where process functions push finished tasks (its API key a secret reference). */
  openlineage?: OpenLineageSettings;
  triggers?: TriggerCatalog;
}

/** The trigger registry's part of the catalog (see {@link DeploymentCatalog}). */
export interface TriggerCatalog extends Omit<TriggerCheckSource, 'processes'> {
  statics: StaticTrigger[];
  /** By process: its Lambda function's name, and the `ScalingConfig.MaximumConcurrency` its SQS mappings get (absent: none). */
  functions: Readonly<Record<string, { name: string; maxConcurrency?: number }>>;
}

/** SQS event source mappings take `MaximumConcurrency` 2..1,000 (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html). */
const MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

/** What the catalog is written from: the manifest (settings optional, for tests: default chain depth). */
export type CatalogSource = Pick<ServiceManifest, 'processes' | 'connections'> & {
  settings?: Pick<SluiceSettings, 'events' | 'openlineage'> & Partial<Pick<SluiceSettings, 'defaultConcurrency'>>;
} & Partial<Pick<ServiceManifest, 'service' | 'stage' | 'queues' | 'authorizers'>> & {
  /** Deployed function names that are not `<service>-<stage>-<process>` (`functions.<name>.name`). */
  functionNames?: Readonly<Record<string, string>>;
};

/** Where the plugin writes the catalog, relative to the service directory (and so to `LAMBDA_TASK_ROOT` once bundled). */
export const DEPLOYMENT_CATALOG_FILE = '.sluice-build/sluice-catalog.json';

const fileSchema = z.strictObject({
  version: z.literal(1),
  processes: z.unknown(),
  connections: z.array(z.strictObject({ name: z.string().min(1), type: z.string().min(1), kind: z.enum(['db', 'files', 'http', 'mail']), settings: z.record(z.string(), z.unknown()) })),
  grants: z.record(z.string(), z.array(z.string())),
  events: z
    .strictObject({
      maxChainDepth: z.number().int().min(1),
      // The id is derived again on reading: it names the subscription in task ids, so it cannot be edited.
      subscriptions: z.array(z.strictObject({ process: z.string().min(1), label: z.string().min(1), source: z.string().min(1).optional(), target: z.string().min(1).optional() })),
    })
    .default({ maxChainDepth: DEFAULT_MAX_CHAIN_DEPTH, subscriptions: [] }),
  openlineage: z
    .strictObject({
      url: z.string().min(1),
      endpoint: z.string().optional(),
      apiKey: z.strictObject({ env: z.string().optional(), ssm: z.string().optional(), secretsManager: z.string().optional() }).optional(),
      namespace: z.string().optional(),
    })
    .optional(),
  triggers: z
    .strictObject({
      statics: z.array(z.strictObject({ process: z.string().min(1), spec: triggerSpec, disabled: z.literal(true).optional(), rule: z.string().min(1).optional() })),
      queues: z.array(z.strictObject({ name: z.string().min(1), visibilityTimeoutSeconds: z.number().int().min(0).max(43_200), deadLetter: z.strictObject({ queue: z.string().min(1) }).optional() })),
      authorizers: z.array(z.strictObject({ name: z.string().min(1), type: z.enum(['jwt', 'request']) })),
      functions: z.record(z.string(), z.strictObject({ name: z.string().min(1).max(64), maxConcurrency: z.number().int().min(2).max(1000).optional() })),
    })
    .optional(),
});

/** The catalog file's text for `manifest`. */
export function encodeDeploymentCatalog(manifest: CatalogSource): string {
  return `${JSON.stringify({
    version: 1,
    processes: JSON.parse(encodeProcessCatalog(manifest.processes)) as unknown,
    connections: manifest.connections,
    grants: Object.fromEntries(manifest.processes.map((process) => [process.name, process.connections])),
    events: {
      maxChainDepth: manifest.settings?.events.maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH,
      subscriptions: manifest.processes.flatMap((process) => (process.subscriptions ?? []).map(({ id: _derived, ...subscription }) => subscription)),
    },
    ...(manifest.settings?.openlineage ? { openlineage: manifest.settings.openlineage } : {}),
    ...(manifest.queues && manifest.authorizers && manifest.service !== undefined && manifest.stage !== undefined ? { triggers: triggerCatalogOf(manifest as Required<Pick<CatalogSource, 'service' | 'stage' | 'queues' | 'authorizers'>> & CatalogSource) } : {}),
  })}\n`;
}

function triggerCatalogOf(manifest: Required<Pick<CatalogSource, 'service' | 'stage' | 'queues' | 'authorizers'>> & CatalogSource): TriggerCatalog {
  const defaultConcurrency = manifest.settings?.defaultConcurrency;
  return {
    statics: staticTriggersOf(manifest),
    queues: manifest.queues.map((q) => ({ name: q.name, visibilityTimeoutSeconds: q.visibilityTimeoutSeconds, ...(q.deadLetter ? { deadLetter: { queue: q.deadLetter.queue } } : {}) })),
    authorizers: manifest.authorizers.map((a) => ({ name: a.name, type: a.type })),
    functions: Object.fromEntries(
      manifest.processes.map((p) => {
        // The same bound the plugin gives the static SQS triggers (expandSluiceDeclarations' boundQueueConcurrency).
        const bound = Math.min(p.reservedConcurrency ?? defaultConcurrency ?? MAX_CONCURRENCY_RANGE.max, MAX_CONCURRENCY_RANGE.max);
        return [p.name, { name: manifest.functionNames?.[p.name] ?? `${manifest.service}-${manifest.stage}-${p.name}`, ...(bound >= MAX_CONCURRENCY_RANGE.min && (p.reservedConcurrency ?? defaultConcurrency) !== undefined ? { maxConcurrency: bound } : {}) }];
      }),
    ),
  };
}

/**
 * Writes the catalog of `manifest` to {@link DEPLOYMENT_CATALOG_FILE} under
 * `serviceDir` (the plugin, at package time), private to its owner like the
 * rest of `.sluice-build`.
 *
 * @returns the absolute path written
 */
export function writeDeploymentCatalog(serviceDir: string, manifest: CatalogSource): string {
  const file = resolve(serviceDir, DEPLOYMENT_CATALOG_FILE);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, encodeDeploymentCatalog(manifest), { mode: 0o600 });
  return file;
}

/**
 * Reads the bundled catalog (once per container).
 *
 * @param path  as in `SLUICE_CATALOG`: relative to `root`
 * @param root  the function's code directory (`LAMBDA_TASK_ROOT`)
 * @throws {ConfigError} naming the file when it is missing or not a catalog
 */
export function readDeploymentCatalog(path: string, root: string, names: { service: string; stage: string }): DeploymentCatalog {
  const file = isAbsolute(path) ? path : resolve(root, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`the deployment catalog ${file} cannot be read (was this function packaged with the Sluice plugin?)`, { cause });
  }
  try {
    const parsed = fileSchema.parse(JSON.parse(text));
    const subscriptions = parsed.events.subscriptions.map((s): EventSubscription => ({ id: subscriptionId(s.process, s), ...s }));
    return {
      processes: decodeProcessCatalog(JSON.stringify(parsed.processes), names),
      connections: parsed.connections,
      grants: parsed.grants,
      events: { maxChainDepth: parsed.events.maxChainDepth, subscriptions },
      ...(parsed.openlineage ? { openlineage: parsed.openlineage as OpenLineageSettings } : {}),
      ...(parsed.triggers ? { triggers: parsed.triggers as TriggerCatalog } : {}),
    };
  } catch (cause) {
    throw new ConfigError(`the deployment catalog ${file} is not valid`, { cause });
  }
}
