import type { SecretRef } from '../core/agents/SecretResolver.js';
import type { AuthorizerManifest, RouteAuthorizer } from './httpAuthorizers.js';
import type { OverlapPolicy } from '../core/schedule/scheduleOverlap.js';
import type { EventSubscription } from '../core/events/EventSubscription.js';
import type { QueueSpec } from '../core/ports/MessageQueue.js';
import type { BackoffPolicy } from '../core/retry/RetryPolicy.js';
import type { ConnectionDeclaration } from './connections/parseConnections.js';

/**
 * `serverless.yml`, resolved and expanded, as both runtimes read it: the one
 * source of truth for which processes exist and what triggers them.
 * Produced by `loadServiceManifest` (lib/config/loadServiceManifest.ts).
 */
export interface ServiceManifest {
  service: string;
  stage: string;
  region: string;
  /** Absolute directory of `serverless.yml`; handler files resolve against it. */
  serviceDir: string;
  processes: ProcessManifest[];
  /** Every queue the runtime must provide: task queues, their DLQs and queues declared under `resources`. */
  queues: QueueSpec[];
  settings: SluiceSettings;
  /** `provider.httpApi.authorizers`, validated. */
  authorizers: AuthorizerManifest[];
  /** `custom.sluice.connections`, validated; secret references are resolved by each runtime where it runs. */
  connections: ConnectionDeclaration[];
  /**
   * Keys set on processes that only configure Lambda (`functions.<name>.memorySize`, ...):
   * the embedded runtime warns once that they have no effect there.
   */
  lambdaOnlyKeys?: string[];
}

/** `custom.sluice` in `serverless.yml`. */
export interface SluiceSettings {
  /** The key-value store (`ctx.kv`), TTLs in seconds: `maxTtlSeconds` default one year; no `defaultTtlSeconds`: entries do not expire. */
  kv: { defaultTtlSeconds?: number; maxTtlSeconds: number };
  /** Embedded runtime: local keys of JWT authorizers (`custom.sluice.authorizers.<name>: { jwksFile | jwksUrl }`). */
  authorizers?: Record<string, { jwksFile?: string; jwksUrl?: string }>;
  /** Data events (`ctx.events`): `maxChainDepth`, the longest chain of event-triggered tasks (default 16). */
  events: { maxChainDepth: number };
  /** How long task records are kept. Default 30. */
  retentionDays: number;
  /** Largest accepted request body / message, in bytes. Default 1 MiB (SQS's limit). */
  maxPayloadBytes: number;
  /** Concurrency of a function without `reservedConcurrency`. Default 64. */
  defaultConcurrency: number;
  /** maxReceiveCount of task queues unless a process overrides it. Default 5. */
  maxReceiveCount: number;
  /**
   * Write a `running` record when a task starts (one more write per task).
   * Unset: on in the embedded runtime, off on AWS, where it is a billed
   * DynamoDB write.
   */
  trackRunning?: boolean;
  /**
   * Embedded runtime only: what to do at start-up with schedule firings that
   * fell due while the runtime was down. Unset: `latest`. See
   * {@link ScheduleCatchUp}.
   */
  scheduleCatchUp?: ScheduleCatchUp;
  /** Where finished tasks are pushed as OpenLineage run events (see {@link OpenLineageSettings}); unset: not pushed. */
  openlineage?: OpenLineageSettings;
}

/**
 * `custom.sluice.openlineage`: an OpenLineage HTTP endpoint (Marquez, or any
 * backend that takes `POST` of run events,
 * https://openlineage.io/docs/client/python#http-transport), e.g.
 *
 * ```yaml
 * openlineage:
 *   url: http://marquez:5000     # events go to {url}/{endpoint}
 *   apiKey: { env: OPENLINEAGE_API_KEY }   # sent as `Authorization: Bearer`; a secret reference only
 * ```
 */
export interface OpenLineageSettings {
  /** http(s) base URL, without credentials. */
  url: string;
  /** Path under `url` the events are posted to. Default `api/v1/lineage` (OpenLineage's HTTP transport and Marquez). */
  endpoint?: string;
  /** The API key, by reference (`{ env }`, `{ ssm }`, `{ secretsManager }`), never its value. */
  apiKey?: SecretRef;
  /** The job namespace of the events. Default: the service name, `<service>-<stage>` on a stage. */
  namespace?: string;
}

/**
 * Catch-up policy for firings missed while the embedded runtime was down
 * (EventBridge never misses any, so AWS has no such setting):
 * - `latest`: run the latest missed firing once, skip the older ones;
 * - `all`: run every missed firing, oldest first, at most {@link MAX_SCHEDULE_CATCH_UP} per rule (the latest ones);
 * - `none`: run none.
 * Every start-up that finds missed firings logs how many it ran and skipped.
 */
export type ScheduleCatchUp = 'latest' | 'all' | 'none';

/** The most missed firings one rule runs at start-up under `scheduleCatchUp: all`. */
export const MAX_SCHEDULE_CATCH_UP = 100;

export interface ProcessManifest {
  /** The function key in `serverless.yml`; also the process name in the platform API. */
  name: string;
  handler: {
    /** Absolute path of the module, e.g. /srv/app/functions/ordersSync.ts (the .ts/.js/.mts that exists). */
    file: string;
    /** The export named after the dot in `handler:`, e.g. `handler`. */
    export: string;
    /** As written in serverless.yml, e.g. `functions/ordersSync.handler`. */
    declared: string;
  };
  /** `timeout` of the function, else `provider.timeout`, else 6 (the Serverless default). */
  timeoutSeconds: number;
  /** `sluice.retry.backoff`, defaults applied: the delay before each retry of a failed delivery (absent: `DEFAULT_BACKOFF`). */
  backoff?: BackoffPolicy;
  /** `reservedConcurrency` when set. */
  reservedConcurrency?: number;
  /** `memorySize` of the function, else `provider.memorySize`, in MB; unset: Lambda's default (1024). */
  memorySizeMb?: number;
  /**
   * The Sluice-managed queue that carries async submissions, schedules and
   * streaming messages for this process; undefined when the process opted
   * out with `sluice: { queue: false }`.
   */
  taskQueue?: string;
  http: HttpRouteManifest[];
  queues: QueueTriggerManifest[];
  schedules: ScheduleManifest[];
  /** Its `dataEvent` subscriptions: each matching published event becomes a task (needs the task queue). */
  subscriptions: EventSubscription[];
  /** `provider.environment` merged with the function's `environment`, variables resolved. */
  environment: Record<string, string>;
  /** Names of the connections its logics may use (`sluice.connections`). */
  connections: string[];
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

export interface HttpRouteManifest {
  method: HttpMethod;
  /** API Gateway syntax: `/customers/{id}`, `/files/{proxy+}`. */
  path: string;
  /** The event's `authorizer`: who may call the route (enforced by API Gateway on AWS, by the embedded runtime locally). */
  authorizer?: RouteAuthorizer;
}

export interface QueueTriggerManifest {
  /** Logical queue name (its `QueueName`). */
  queue: string;
  /** 1..10000; default 10. */
  batchSize: number;
  /** Seconds to wait to fill a batch; default 0. */
  maximumBatchingWindow: number;
  enabled: boolean;
}

export interface ScheduleManifest {
  /** Rule name: the event's `name`, else `<function>-schedule-<n>` (1-based). */
  rule: string;
  /** As declared: `rate(5 minutes)`, `cron(0 12 * * ? *)` or `at(2026-12-01T09:00:00)`. */
  expression: string;
  enabled: boolean;
  /** The event's `input`, if any. */
  input?: unknown;
  /**
   * The event's `timezone`: an IANA name in which a cron or `at()` is read
   * (EventBridge Scheduler's daylight-saving rules). Absent: UTC. On AWS a
   * schedule with a time zone, or an `at()`, is an EventBridge Scheduler
   * schedule; the others stay EventBridge rules.
   */
  timezone?: string;
  /**
   * What a firing does while the previous firing's task is unfinished
   * (see {@link OverlapPolicy}); the event's `overlap`, default `skip`.
   */
  overlap: OverlapPolicy;
}
