import * as z from 'zod';
import { ConfigError } from '../core/errors.js';
import { SQS_MAX_RECEIVE_COUNT } from '../core/queue/sqsRules.js';
import { assertKnownKeys } from './knownKeys.js';
import { secretRefSchema } from './connections/secretRef.js';
import { DEFAULT_MAX_CHAIN_DEPTH } from '../core/events/EventSubscription.js';
import type { SluiceSettings } from './ServiceManifest.js';
import { isPlainObject } from './VariableResolver.js';
import { DEFAULT_BACKOFF, MAX_RETRY_DELAY_SECONDS, type BackoffPolicy } from '../core/retry/RetryPolicy.js';

/**
 * Schemas of what Sluice adds to `serverless.yml`: `custom.sluice` and the
 * per-function `sluice` property. Unknown keys are errors: they are almost
 * always typos (`maxRecieveCount`), and a typo silently ignored is a setting
 * silently not applied.
 */

/** Integers written through a variable (`${env:N}`) arrive as strings. */
const integer = (min: number, max: number) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value), z.number().int().min(min).max(max));

/** Numbers written through a variable arrive as strings. */
const decimal = (min: number, max: number) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value), z.number().min(min).max(max));

/** `custom.sluice.kv.maxTtlSeconds` when unset: one year. */
export const DEFAULT_KV_MAX_TTL_SECONDS = 365 * 86_400;

export const DEFAULT_SLUICE_SETTINGS: Readonly<SluiceSettings> = Object.freeze({
  kv: Object.freeze({ maxTtlSeconds: DEFAULT_KV_MAX_TTL_SECONDS }),
  events: Object.freeze({ maxChainDepth: DEFAULT_MAX_CHAIN_DEPTH }),
  retentionDays: 30,
  maxPayloadBytes: 1024 * 1024,
  defaultConcurrency: 64,
  maxReceiveCount: 5,
});

/** Default handler of the AWS platform API function (relative to the service directory). */
export const DEFAULT_PLATFORM_HANDLER = 'lib/aws/lambda/platformHandler.handler';

/** Default handler of the AWS event dispatcher function (relative to the service directory). */
export const DEFAULT_EVENT_DISPATCHER_HANDLER = 'lib/aws/lambda/eventDispatcherHandler.handler';

/** Default handler of the AWS router of runtime HTTP routes (relative to the service directory). */
export const DEFAULT_ROUTER_HANDLER = 'lib/aws/lambda/routerHandler.handler';

export const sluiceSettingsSchema = z.strictObject({
  retentionDays: integer(1, 3650).optional(),
  /** SQS carries at most 1 MiB per message, so nothing larger can be accepted. */
  maxPayloadBytes: integer(1, 1024 * 1024).optional(),
  defaultConcurrency: integer(1, 1000).optional(),
  /** SQS allows 1..1000; AWS advises at least 5 with Lambda consumers. */
  maxReceiveCount: integer(1, SQS_MAX_RECEIVE_COUNT).optional(),
  /** Record `running` when tasks start (see SluiceSettings.trackRunning). */
  trackRunning: z.boolean().optional(),
  /** Embedded runtime: firings missed while it was down (see ScheduleCatchUp). */
  scheduleCatchUp: z.enum(['latest', 'all', 'none']).optional(),
  /** AWS only: handler of the platform API function; the embedded runtime ignores it. */
  platformHandler: z.string().min(1).optional(),
  /** AWS only: handler of the event dispatcher function (deployed when a process subscribes to data events). */
  eventDispatcherHandler: z.string().min(1).optional(),
  /** AWS only: handler of the router of runtime HTTP routes (behind the HTTP API's catch-all route). */
  routerHandler: z.string().min(1).optional(),
  /**
   * AWS only: serve runtime HTTP routes (`POST /sluice/triggers` with `kind: http`) through a
   * catch-all route `ANY /{proxy+}` and a router function. Default true; `false` deploys neither.
   */
  runtimeRoutes: z.boolean().optional(),
  /**
   * AWS only: keep the task table, the key-value table and the task dead-letter queues when the
   * stack is deleted or a resource replaced (DeletionPolicy / UpdateReplacePolicy Retain, DynamoDB
   * deletion protection). Default true; `false` for throwaway stages.
   */
  retainData: z.boolean().optional(),
  /** AWS only: CloudWatch alarms on dead letters, queue age and function errors, to an SNS topic (see `failureAlarms.ts`). */
  alarms: z
    .union([
      z.literal(false),
      z.strictObject({
        /** An existing SNS topic's ARN to notify, instead of the `<service>-<stage>-alarms` topic Sluice creates. */
        topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN').optional(),
        /** A task queue's oldest message older than this raises its alarm. Default 900. */
        maxMessageAgeSeconds: integer(60, 1_209_600).optional(),
      }),
    ])
    .optional(),
  /**
   * AWS only: API Gateway throttling of the HTTP API's stage (every route, the platform API's too),
   * and per route key (`'POST /orders'`). Requests over it get API Gateway's 429.
   */
  throttle: z
    .strictObject({
      /** Steady requests per second. Default 500. */
      rateLimit: z.number().positive().max(100_000).optional(),
      /** Requests above the rate a burst may add. Default 1000. */
      burstLimit: integer(0, 100_000).optional(),
      routes: z.record(z.string(), z.strictObject({ rateLimit: z.number().positive().max(100_000).optional(), burstLimit: integer(0, 100_000).optional() })).optional(),
    })
    .optional(),
  /** Named connections of the agents: read by `parseConnections` (each type has its own schema). */
  connections: z.unknown().optional(),
  /** The key-value store (`ctx.kv`): TTLs in seconds. */
  kv: z
    .strictObject({
      /** Applied when a write gives none. Unset: entries do not expire. */
      defaultTtlSeconds: integer(1, 10 * 365 * 86_400).optional(),
      /** The longest TTL a write may ask for. Default one year. */
      maxTtlSeconds: integer(1, 10 * 365 * 86_400).optional(),
    })
    .optional(),
  /** OpenLineage push (see OpenLineageSettings). */
  openlineage: z
    .strictObject({
      url: z.string().max(2048).refine(isHttpUrlWithoutCredentials, 'must be an http(s) URL without credentials (put the key in apiKey)'),
      endpoint: z.string().min(1).max(1024).regex(/^[^?#\s]*$/, 'must be a path').optional(),
      apiKey: secretRefSchema.optional(),
      namespace: z.string().min(1).max(256).optional(),
    })
    .optional(),
  /**
   * Embedded runtime only: where a JWT authorizer of `provider.httpApi.authorizers` finds its keys
   * locally (a JWKS file or URL) instead of the issuer's OIDC discovery, e.g. for development tokens.
   */
  authorizers: z.record(z.string(), z.strictObject({ jwksFile: z.string().min(1).optional(), jwksUrl: z.url({ protocol: /^https?$/ }).optional() })).optional(),
  /** Data events (`ctx.events`). */
  events: z
    .strictObject({
      /** Longest chain of event-triggered tasks; a task at this depth emits events that trigger nothing. Default 16. */
      maxChainDepth: integer(1, 100).optional(),
    })
    .optional(),
});

const queueSettingsSchema = z.strictObject({
  batchSize: integer(1, 10_000).optional(),
  maxReceiveCount: integer(1, SQS_MAX_RECEIVE_COUNT).optional(),
  maximumBatchingWindow: integer(0, 300).optional(),
});

/** `functions.<name>.sluice.retry` (defaults: {@link DEFAULT_BACKOFF}; `maxAttempts` is the task queue's maxReceiveCount). */
const retrySettingsSchema = z.strictObject({
  /** Deliveries of a task-queue task before it fails for good: sets the task queue's maxReceiveCount. */
  maxAttempts: integer(1, SQS_MAX_RECEIVE_COUNT).optional(),
  backoff: z
    .strictObject({
      initialSeconds: integer(0, MAX_RETRY_DELAY_SECONDS).optional(),
      multiplier: decimal(1, 10).optional(),
      maxSeconds: integer(0, MAX_RETRY_DELAY_SECONDS).optional(),
      jitter: z.enum(['full', 'none']).optional(),
    })
    .optional(),
});

export const functionSluiceSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** `false` opts the process out of its task queue. */
    queue: z.union([z.boolean(), queueSettingsSchema]).optional(),
    /** The connections of `custom.sluice.connections` this function's logics may use. */
    connections: z.array(z.string()).optional(),
    /** Attempts and backoff of failed deliveries. */
    retry: retrySettingsSchema.optional(),
  }),
]);

/** `custom.sluice`, validated, with defaults applied. */
export interface ResolvedSluiceSettings extends SluiceSettings {
  platformHandler: string;
  eventDispatcherHandler: string;
  routerHandler: string;
  /** AWS only: see `custom.sluice.runtimeRoutes`. */
  runtimeRoutes: boolean;
  /** AWS only: see `custom.sluice.retainData`. */
  retainData: boolean;
  /** AWS only: see `custom.sluice.throttle`; defaults applied. */
  throttle: StageThrottle;
  /** AWS only: see `custom.sluice.alarms`; defaults applied. */
  alarms: { enabled: boolean; topicArn?: string; maxMessageAgeSeconds: number };
}

/** API Gateway throttling: the stage's default route settings, and route keys' own. */
export interface StageThrottle {
  rateLimit: number;
  burstLimit: number;
  routes: Record<string, { rateLimit?: number; burstLimit?: number }>;
}

/** `custom.sluice.throttle` when unset: about 500 requests per second with bursts of 1,000, well under the account's 10,000. */
export const DEFAULT_STAGE_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

/** The task-queue part of a function's `sluice` property, with defaults applied. */
export interface TaskQueueSettings {
  batchSize: number;
  maxReceiveCount: number;
  maximumBatchingWindow: number;
}

/** What a function's `sluice` property says. */
export type FunctionSluice = { process: false } | { process: true; taskQueue: TaskQueueSettings | false; connections: string[]; backoff: BackoffPolicy };

/** Validates `custom.sluice` (undefined means all defaults). @throws {ConfigError} */
export function parseSluiceSettings(raw: unknown): ResolvedSluiceSettings {
  if (isPlainObject(raw)) {
    assertKnownKeys(raw, { used: Object.keys(sluiceSettingsSchema.shape) }, 'custom.sluice');
    if (isPlainObject(raw.kv)) assertKnownKeys(raw.kv, { used: ['defaultTtlSeconds', 'maxTtlSeconds'] }, 'custom.sluice.kv');
    if (isPlainObject(raw.events)) assertKnownKeys(raw.events, { used: ['maxChainDepth'] }, 'custom.sluice.events');
    if (isPlainObject(raw.alarms)) assertKnownKeys(raw.alarms, { used: ['topicArn', 'maxMessageAgeSeconds'] }, 'custom.sluice.alarms');
    if (isPlainObject(raw.throttle)) assertKnownKeys(raw.throttle, { used: ['rateLimit', 'burstLimit', 'routes'] }, 'custom.sluice.throttle');
    if (isPlainObject(raw.openlineage)) assertKnownKeys(raw.openlineage, { used: ['url', 'endpoint', 'apiKey', 'namespace'] }, 'custom.sluice.openlineage');
  }
  const parsed = sluiceSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(`custom.sluice is invalid:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  const { platformHandler, eventDispatcherHandler, routerHandler, runtimeRoutes, connections: _readByParseConnections, kv, events, retainData, throttle, alarms, ...rest } = parsed.data;
  const maxTtlSeconds = kv?.maxTtlSeconds ?? DEFAULT_KV_MAX_TTL_SECONDS;
  if (kv?.defaultTtlSeconds !== undefined && kv.defaultTtlSeconds > maxTtlSeconds) {
    throw new ConfigError(`custom.sluice.kv.defaultTtlSeconds (${kv.defaultTtlSeconds}) is above maxTtlSeconds (${maxTtlSeconds})`);
  }
  return {
    ...DEFAULT_SLUICE_SETTINGS,
    ...definedOnly(rest),
    kv: { maxTtlSeconds, ...(kv?.defaultTtlSeconds !== undefined ? { defaultTtlSeconds: kv.defaultTtlSeconds } : {}) },
    events: { maxChainDepth: events?.maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH },
    platformHandler: platformHandler ?? DEFAULT_PLATFORM_HANDLER,
    eventDispatcherHandler: eventDispatcherHandler ?? DEFAULT_EVENT_DISPATCHER_HANDLER,
    routerHandler: routerHandler ?? DEFAULT_ROUTER_HANDLER,
    runtimeRoutes: runtimeRoutes ?? true,
    retainData: retainData ?? true,
    alarms:
      alarms === false
        ? { enabled: false, maxMessageAgeSeconds: 900 }
        : { enabled: true, maxMessageAgeSeconds: alarms?.maxMessageAgeSeconds ?? 900, ...(alarms?.topicArn !== undefined ? { topicArn: alarms.topicArn } : {}) },
    throttle: {
      rateLimit: throttle?.rateLimit ?? DEFAULT_STAGE_THROTTLE.rateLimit,
      burstLimit: throttle?.burstLimit ?? DEFAULT_STAGE_THROTTLE.burstLimit,
      routes: throttle?.routes ?? {},
    },
  };
}

/** Validates a function's `sluice` property. @throws {ConfigError} naming the function */
export function parseFunctionSluice(raw: unknown, functionName: string, settings: SluiceSettings): FunctionSluice {
  const place = `functions.${functionName}.sluice`;
  if (isPlainObject(raw)) {
    assertKnownKeys(raw, { used: ['queue', 'connections', 'retry'] }, place);
    if (isPlainObject(raw.queue)) assertKnownKeys(raw.queue, { used: Object.keys(queueSettingsSchema.shape) }, `${place}.queue`);
    if (isPlainObject(raw.retry)) {
      assertKnownKeys(raw.retry, { used: ['maxAttempts', 'backoff'] }, `${place}.retry`);
      if (isPlainObject(raw.retry.backoff)) assertKnownKeys(raw.retry.backoff, { used: ['initialSeconds', 'multiplier', 'maxSeconds', 'jitter'] }, `${place}.retry.backoff`);
    }
  }
  const parsed = functionSluiceSchema.safeParse(raw ?? true);
  if (!parsed.success) {
    throw new ConfigError(`functions.${functionName}.sluice is invalid:\n${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const value = parsed.data;
  if (value === false) return { process: false };
  const queue = value === true ? true : (value.queue ?? true);
  const connections = value === true ? [] : (value.connections ?? []);
  const retry = value === true ? undefined : value.retry;
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...definedOnly(retry?.backoff ?? {}) };
  if (backoff.maxSeconds < backoff.initialSeconds) {
    throw new ConfigError(`${place}.retry.backoff: maxSeconds (${backoff.maxSeconds}) is below initialSeconds (${backoff.initialSeconds})`);
  }
  if (queue === false) {
    if (retry?.maxAttempts !== undefined) throw new ConfigError(`${place}.retry.maxAttempts: the process has no task queue (sluice.queue is false); a queue trigger's attempts are its queue's maxReceiveCount`);
    return { process: true, taskQueue: false, connections, backoff };
  }
  const overrides = queue === true ? {} : queue;
  if (retry?.maxAttempts !== undefined && overrides.maxReceiveCount !== undefined && retry.maxAttempts !== overrides.maxReceiveCount) {
    throw new ConfigError(`${place}: retry.maxAttempts (${retry.maxAttempts}) and queue.maxReceiveCount (${overrides.maxReceiveCount}) say different things; give one`);
  }
  const taskQueue: TaskQueueSettings = {
    batchSize: overrides.batchSize ?? 10,
    maxReceiveCount: retry?.maxAttempts ?? overrides.maxReceiveCount ?? settings.maxReceiveCount,
    maximumBatchingWindow: overrides.maximumBatchingWindow ?? 0,
  };
  assertBatchingWindow(taskQueue.batchSize, taskQueue.maximumBatchingWindow, `functions.${functionName}.sluice.queue`);
  return { process: true, taskQueue, connections, backoff };
}

/**
 * Lambda rejects an SQS batch size above 10 without a batching window of at
 * least 1 s; checked here so the embedded runtime refuses what AWS would.
 */
export function assertBatchingWindow(batchSize: number, maximumBatchingWindow: number, place: string): void {
  if (batchSize > 10 && maximumBatchingWindow < 1) {
    throw new ConfigError(
      `${place}: a batchSize above 10 (${batchSize}) needs maximumBatchingWindow of at least 1 second (AWS Lambda requires it)`,
    );
  }
}

function isHttpUrlWithoutCredentials(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
