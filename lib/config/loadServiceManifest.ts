import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { ServiceManifest } from './ServiceManifest.js';
import { buildServiceManifest } from './buildServiceManifest.js';
import { expandSluiceDeclarations } from './expandSluiceDeclarations.js';
import { FUNCTION_KEYS, PROVIDER_KEYS } from './serverlessKeys.js';
import { parseServerlessYaml } from './parseServerlessYaml.js';
import { assertServerlessConfig } from './serverlessConfig.js';
import { isPlainObject, VariableResolver, type PathKey } from './VariableResolver.js';

export interface LoadServiceManifestOptions {
  /** Path of `serverless.yml`. */
  configPath: string;
  /** As `--stage`; else `provider.stage`, else `dev`. */
  stage?: string;
  /** As `--region`; else `provider.region`, else `us-east-1`. */
  region?: string;
  /** For `${env:...}`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads `serverless.yml` the way the embedded runtime needs it: variables
 * resolved, Sluice's concise declaration expanded (the same expansion the
 * Serverless plugin applies for AWS), and checked.
 *
 * Only the parts Sluice reads are resolved, so variables that need AWS in
 * other parts (say `provider.deploymentBucket: ${ssm:...}`) do no harm.
 *
 * @example
 * const manifest = await loadServiceManifest({ configPath: 'serverless.yml', stage: 'dev' });
 * for (const process of manifest.processes) console.log(process.name, process.http);
 *
 * @throws {ConfigError} naming the file, the place and the problem
 */
export async function loadServiceManifest(options: LoadServiceManifestOptions): Promise<ServiceManifest> {
  const configPath = resolvePath(options.configPath);
  const serviceDir = dirname(configPath);
  let source: string;
  try {
    source = await readFile(configPath, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read ${configPath}: ${(cause as Error).message}`, { cause });
  }

  try {
    const raw = parseServerlessYaml(source, configPath);
    const resolver = new VariableResolver(raw, {
      serviceDir,
      options: definedOnly({ stage: options.stage, region: options.region }),
      env: options.env ?? process.env,
    });
    const stage = resolver.stage();
    const region = resolver.region();
    const config = assertServerlessConfig(resolvedSubset(resolver), basename(configPath));
    const expanded = expandSluiceDeclarations(config, { stage });
    return buildServiceManifest(expanded, { serviceDir, region, target: 'embedded' });
  } catch (error) {
    if (error instanceof ConfigError && !error.message.startsWith(configPath)) {
      throw new ConfigError(`${configPath}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** The resolved parts of the configuration that Sluice reads, in the shape of `serverless.yml`. */
function resolvedSubset(resolver: VariableResolver): unknown {
  /**
   * Resolves `keys` of the map at `path`; with `keepOthers`, the other keys
   * stay, unresolved (their variables may need AWS), so that key checks see them.
   */
  const pick = (path: PathKey[], keys: readonly string[], keepOthers = false): Record<string, unknown> | undefined => {
    const node = resolver.node(path);
    if (!isPlainObject(node)) return node as undefined;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      if (keys.includes(key)) out[key] = resolver.resolve([...path, key]);
      else if (keepOthers) out[key] = null;
    }
    return out;
  };

  const functions = resolver.node(['functions']);
  const resources = resolver.node(['resources', 'Resources']);
  const provider = pick(['provider'], PROVIDER_KEYS.used, true) as Record<string, unknown> | undefined;
  // Of provider.httpApi (cors, metrics, ...: the framework's business) only the authorizers, which both runtimes enforce.
  const httpApi = resolver.node(['provider', 'httpApi']);
  if (provider && isPlainObject(httpApi) && 'authorizers' in httpApi) provider.httpApi = { authorizers: resolver.resolve(['provider', 'httpApi', 'authorizers']) };
  return {
    service: resolver.resolve(['service']),
    provider,
    custom: { sluice: resolver.resolve(['custom', 'sluice']) },
    functions: isPlainObject(functions)
      ? Object.fromEntries(Object.keys(functions).map((name) => [name, pick(['functions', name], FUNCTION_KEYS.used, true)]))
      : functions,
    resources: {
      Resources: isPlainObject(resources)
        ? Object.fromEntries(
            Object.keys(resources).map((logicalId) => {
              const path = ['resources', 'Resources', logicalId];
              // Only queues are needed in full; other resources only by type (for reference checks).
              const type = resolver.resolve([...path, 'Type']);
              return [logicalId, type === 'AWS::SQS::Queue' ? resolver.resolve(path) : { Type: type }];
            }),
          )
        : resources,
    },
  };
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
