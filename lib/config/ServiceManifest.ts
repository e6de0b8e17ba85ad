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
  /** As declared: `rate(5 minutes)` or `cron(0 12 * * ? *)`. */
  expression: string;
  enabled: boolean;
  /** The event's `input`, if any. */
  input?: unknown;
}
