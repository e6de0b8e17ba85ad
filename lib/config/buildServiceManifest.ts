import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { QueueSpec } from '../core/ports/MessageQueue.js';
import type { ProcessManifest, ServiceManifest } from './ServiceManifest.js';
import { buildQueueSpecs, externalQueueSpec, integerProperty } from './buildQueueSpecs.js';
import { evaluateString, type CloudFormationScope } from './cloudFormationValues.js';
import type { ExpandedDeclarations } from './expandSluiceDeclarations.js';
import { parseProcessEvents } from './parseProcessEvents.js';
import { parseHttpAuthorizers } from './httpAuthorizers.js';
import { unreachableRoutePath } from './assertHttpRoutePath.js';
import type { FunctionConfig, ServerlessConfig } from './serverlessConfig.js';
import { RESERVED_ENV_PREFIX, RESERVED_PATH_PREFIX } from './sluiceNames.js';

/** Handler module extensions, in the order they are tried. */
const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Builds the {@link ServiceManifest} from an expanded configuration
 * (`expandSluiceDeclarations`), checking what both runtimes need to agree on:
 * handler files exist, events are supported, routes are unique and outside
 * the reserved `/sluice` prefix, queues are standard queues whose visibility
 * timeout is not shorter than the timeout of the functions consuming them.
 *
 * @throws {ConfigError} naming the offending place
 */
export function buildServiceManifest(
  expanded: ExpandedDeclarations,
  options: {
    serviceDir: string;
    region: string;
    /**
     * `aws` (the Serverless plugin) leaves environment values to
     * CloudFormation, which can resolve `!Ref` and friends; `embedded`
     * (default) must turn them into strings or fail.
     */
    target?: 'embedded' | 'aws';
  },
): ServiceManifest {
  const { config, service, stage, settings } = expanded;
  const scope: CloudFormationScope = {
    region: options.region,
    stackName: typeof config.provider.stackName === 'string' ? config.provider.stackName : `${service}-${stage}`,
    resources: config.resources?.Resources ?? {},
  };
  const queues = buildQueueSpecs(scope);
  const queuesByName = new Map(queues.map((queue) => [queue.name, queue]));
  const routes = new Map<string, string>();
  /** EventBridge rule names are unique per region and bus (CloudFormation fails the second). */
  const rules = new Map<string, string>();
  const processes: ProcessManifest[] = [];
  const authorizers = parseHttpAuthorizers((config.provider as { httpApi?: unknown }).httpApi);
  for (const [name, local] of Object.entries(settings.authorizers ?? {})) {
    const declared = authorizers.get(name);
    if (declared?.type !== 'jwt') throw new ConfigError(`custom.sluice.authorizers.${name}: no JWT authorizer '${name}' in provider.httpApi.authorizers`);
    if ((local.jwksFile === undefined) === (local.jwksUrl === undefined)) throw new ConfigError(`custom.sluice.authorizers.${name}: give exactly one of jwksFile and jwksUrl`);
  }
  for (const authorizer of authorizers.values()) {
    if (authorizer.type !== 'request') continue;
    const fn = config.functions[authorizer.functionName] as FunctionConfig | undefined;
    if (!fn) throw new ConfigError(`provider.httpApi.authorizers.${authorizer.name}.functionName: no function '${authorizer.functionName}' in this service`);
    authorizer.handler = resolveHandler(fn.handler, authorizer.functionName, options.serviceDir);
  }

  for (const expandedProcess of expanded.processes) {
    const { name, timeoutSeconds } = expandedProcess;
    const fn = config.functions[name] as FunctionConfig;
    assertNodeRuntime(config, name);
    const events = parseProcessEvents(name, fn.events ?? [], scope, authorizers);

    for (const route of events.http) {
      const key = `${route.method} ${route.path}`;
      if (route.path === RESERVED_PATH_PREFIX || route.path.startsWith(`${RESERVED_PATH_PREFIX}/`)) {
        throw new ConfigError(`functions.${name}: route '${key}' is under ${RESERVED_PATH_PREFIX}, which is reserved for the Sluice platform API`);
      }
      const unreachable = unreachableRoutePath(route.path);
      if (unreachable) throw new ConfigError(`functions.${name}: route '${key}': its path ${unreachable}`);
      const owner = routes.get(key);
      if (owner !== undefined) {
        throw new ConfigError(`functions.${name}: route '${key}' is also declared by functions.${owner}`);
      }
      routes.set(key, name);
    }

    for (const schedule of events.schedules) {
      const owner = rules.get(schedule.rule);
      if (owner !== undefined) {
        throw new ConfigError(`functions.${name}: schedule rule name '${schedule.rule}' is also used by ${owner === name ? 'another of its schedules' : `functions.${owner}`}; EventBridge rule names are unique`);
      }
      rules.set(schedule.rule, name);
    }

    for (const trigger of events.queues) {
      let queue = queuesByName.get(trigger.queue);
      if (!queue) {
        // Referenced by ARN, declared elsewhere: the embedded runtime still has to provide it.
        queue = externalQueueSpec(trigger.queue);
        queues.push(queue);
        queuesByName.set(queue.name, queue);
      }
      assertVisibilityCoversTimeout(queue, name, timeoutSeconds);
    }

    const manifest: ProcessManifest = {
      name,
      handler: resolveHandler(fn.handler, name, options.serviceDir),
      timeoutSeconds,
      backoff: expandedProcess.backoff,
      http: events.http,
      queues: events.queues.map(({ external: _external, ...trigger }) => trigger),
      schedules: events.schedules,
      subscriptions: events.subscriptions,
      environment: environment(config, name, scope, options.target ?? 'embedded'),
      connections: expandedProcess.connections,
    };
    if (fn.reservedConcurrency !== undefined && fn.reservedConcurrency !== null) {
      manifest.reservedConcurrency = integerProperty(fn.reservedConcurrency, `functions.${name}.reservedConcurrency`, 0, 100_000, 0);
    }
    const memorySize = fn.memorySize ?? config.provider.memorySize;
    if (memorySize !== undefined && memorySize !== null) {
      manifest.memorySizeMb = integerProperty(memorySize, `functions.${name}.memorySize`, 128, 10_240, 1024);
    }
    if (expandedProcess.taskQueue) manifest.taskQueue = expandedProcess.taskQueue.name;
    else if (events.subscriptions.length > 0) {
      throw new ConfigError(`functions.${name}: a process with dataEvent subscriptions needs its task queue (remove 'sluice: { queue: false }'): event-triggered tasks are queued`);
    }
    processes.push(manifest);
  }

  const { platformHandler: _awsOnly, eventDispatcherHandler: _awsOnlyAlso, routerHandler: _awsRouter, runtimeRoutes: _awsRuntimeRoutes, retainData: _awsOnlyToo, throttle: _awsThrottle, alarms: _awsAlarms, ...sluiceSettings } = settings;
  return {
    service,
    stage,
    region: options.region,
    serviceDir: options.serviceDir,
    processes,
    queues,
    settings: sluiceSettings,
    authorizers: [...authorizers.values()],
    connections: expanded.connections,
    ...(expanded.lambdaOnlyKeys.length > 0 ? { lambdaOnlyKeys: expanded.lambdaOnlyKeys } : {}),
  };
}

/**
 * Lambda refuses an SQS trigger whose queue's visibility timeout is shorter
 * than the function timeout (a message would reappear while still being
 * processed); refuse it here too so the embedded runtime agrees.
 */
function assertVisibilityCoversTimeout(queue: QueueSpec, functionName: string, timeoutSeconds: number): void {
  if (queue.visibilityTimeoutSeconds < timeoutSeconds) {
    throw new ConfigError(
      `functions.${functionName}: queue '${queue.name}' has a visibility timeout of ${queue.visibilityTimeoutSeconds}s, shorter than the function timeout (${timeoutSeconds}s); AWS rejects this (6 x the timeout is advised)`,
    );
  }
}

function assertNodeRuntime(config: ServerlessConfig, name: string): void {
  const runtime = config.functions[name]?.runtime ?? config.provider.runtime;
  if (runtime !== undefined && (typeof runtime !== 'string' || !runtime.startsWith('nodejs'))) {
    throw new ConfigError(
      `functions.${name}: runtime ${JSON.stringify(runtime)} is not Node.js; Sluice processes run on Node.js (set 'sluice: false' for other functions)`,
    );
  }
}

/** `functions/ordersSync.handler` -> the existing `functions/ordersSync.{ts,mts,js,mjs}` and export `handler`. */
function resolveHandler(declared: unknown, name: string, serviceDir: string): ProcessManifest['handler'] {
  const place = `functions.${name}.handler`;
  if (typeof declared !== 'string') throw new ConfigError(`${place} is required (e.g. functions/${name}.handler)`);
  const dot = declared.lastIndexOf('.');
  const modulePath = declared.slice(0, dot);
  const exportName = declared.slice(dot + 1);
  if (dot <= 0 || !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new ConfigError(`${place}: '${declared}' is not '<module path>.<export name>'`);
  }
  const base = resolvePath(serviceDir, modulePath);
  for (const extension of HANDLER_EXTENSIONS) {
    const file = `${base}${extension}`;
    if (statSync(file, { throwIfNoEntry: false })?.isFile()) return { file, export: exportName, declared };
  }
  throw new ConfigError(
    `${place}: no module for '${declared}': tried ${HANDLER_EXTENSIONS.map((extension) => `${modulePath}${extension}`).join(', ')} in ${serviceDir}`,
  );
}

/** `provider.environment` overlaid with the function's `environment`, as strings. */
function environment(
  config: ServerlessConfig,
  name: string,
  scope: CloudFormationScope,
  target: 'embedded' | 'aws',
): Record<string, string> {
  const out: Record<string, string> = {};
  const sources: Array<[string, Record<string, unknown> | undefined | null]> = [
    ['provider.environment', config.provider.environment],
    [`functions.${name}.environment`, config.functions[name]?.environment],
  ];
  for (const [place, variables] of sources) {
    for (const [key, value] of Object.entries(variables ?? {})) {
      if (key.startsWith(RESERVED_ENV_PREFIX)) {
        throw new ConfigError(`${place}.${key}: names starting with ${RESERVED_ENV_PREFIX} are reserved for Sluice`);
      }
      if (value === null || value === undefined) throw new ConfigError(`${place}.${key} has no value`);
      if (target === 'aws') continue;
      const text = evaluateString(value, scope);
      if (text === undefined) {
        throw new ConfigError(
          `${place}.${key}: ${JSON.stringify(value)} needs AWS to be resolved; the embedded runtime can only use strings, variables and references to queues declared in this file`,
        );
      }
      out[key] = text;
    }
  }
  return out;
}
