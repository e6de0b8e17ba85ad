import * as z from 'zod';
import { buildServiceManifest } from '../config/buildServiceManifest.js';
import type { ServiceManifest } from '../config/ServiceManifest.js';
import { expandSluiceDeclarations } from '../config/expandSluiceDeclarations.js';
import { assertServerlessConfig, type CloudFormationResource, type FunctionConfig } from '../config/serverlessConfig.js';
import { functionSluiceSchema, sluiceSettingsSchema } from '../config/sluiceSettings.js';
import { DATA_EVENT_KEYS } from '../config/serverlessKeys.js';
import { buildAwsAdditions } from './buildAwsAdditions.js';

/** The parts of the Serverless Framework's `serverless.service` object the plugin reads and writes. */
export interface ServerlessService {
  service: string;
  provider: Record<string, unknown>;
  custom?: Record<string, unknown>;
  functions: Record<string, FunctionConfig>;
  resources?: { Resources?: Record<string, CloudFormationResource>; [key: string]: unknown };
  package?: { patterns?: string[]; [key: string]: unknown };
}

/**
 * Never packaged: the embedded runtime's default data directory (databases,
 * the API token, the dev JWT key). serverless-esbuild only copies what a
 * pattern includes, but the framework's own packager zips the whole service
 * directory unless told otherwise.
 */
export const EMBEDDED_DATA_EXCLUSION = '!.sluice/**';

/**
 * Applies Sluice to a service whose variables the framework has resolved:
 * expands the concise declaration (shared with the embedded runtime),
 * checks it the way the embedded runtime does, and writes the AWS additions
 * (task queues, table, roles, platform function, environment) back into
 * `service`.
 *
 * @returns warnings to show the user, and the manifest (for the package-time
 *   steps that load process code: `writeInputSchemas`)
 * @throws {ConfigError} when the declaration is invalid
 */
export function applySluiceToService(
  service: ServerlessService,
  context: { serviceDir: string; stage: string; region: string },
): { warnings: string[]; manifest: ServiceManifest } {
  // A plain-data copy: the framework's objects carry getters and compiled state.
  const snapshot: unknown = JSON.parse(
    JSON.stringify({
      service: service.service,
      provider: { ...service.provider, compiledCloudFormationTemplate: undefined },
      custom: service.custom,
      functions: service.functions,
      resources: service.resources,
    }),
  );
  const config = assertServerlessConfig(snapshot, 'serverless.yml');
  const expanded = expandSluiceDeclarations(config, { stage: context.stage });
  const manifest = buildServiceManifest(expanded, { serviceDir: context.serviceDir, region: context.region, target: 'aws' });
  const additions = buildAwsAdditions(expanded, manifest);

  for (const [name, fn] of Object.entries(additions.functions)) service.functions[name] = fn;
  service.resources ??= {};
  service.resources.Resources = additions.resources;
  const patterns = Array.isArray(service.package?.patterns) ? service.package.patterns : [];
  if (!patterns.includes(EMBEDDED_DATA_EXCLUSION)) service.package = { ...service.package, patterns: [...patterns, EMBEDDED_DATA_EXCLUSION] };
  return { warnings: additions.warnings, manifest };
}

/**
 * `- dataEvent: label` or `- dataEvent: { label, source?, target? }`, for the
 * framework's validation of function events (the full check, label
 * patterns included, is `parseProcessEvents`'s).
 */
const dataEventSchema = z.union([
  z.string().min(1),
  z.strictObject(Object.fromEntries(DATA_EVENT_KEYS.used.map((key) => [key, key === 'label' ? z.string().min(1) : z.string().min(1).optional()]))),
]);

/** JSON schemas for the framework's configuration validation (derived from the zod schemas, so they cannot drift). */
export function sluiceConfigSchemas(): { functionSluice: unknown; customSluice: unknown; dataEvent: unknown } {
  const toJsonSchema = (schema: z.ZodType): unknown => {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
    return rest;
  };
  return { functionSluice: toJsonSchema(functionSluiceSchema), customSluice: toJsonSchema(sluiceSettingsSchema), dataEvent: toJsonSchema(dataEventSchema) };
}
