import type { QueueSpec } from '../core/ports/MessageQueue.js';

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
}

/** `custom.sluice` in `serverless.yml`. */
export interface SluiceSettings {
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
}

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
  /** `provider.environment` merged with the function's `environment`, variables resolved. */
  environment: Record<string, string>;
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
