import { ConfigError } from '../core/errors.js';
import { assertKnownKeys } from './knownKeys.js';
import { CONNECTION_TYPES } from './connections/connectionTypes.js';
import { assertGrantedConnections, parseConnections, type ConnectionDeclaration } from './connections/parseConnections.js';
import type { FunctionConfig } from './serverlessConfig.js';
import { isPlainObject } from './VariableResolver.js';
import { FUNCTION_KEYS, PROVIDER_KEYS } from './serverlessKeys.js';
import { functionTimeout, type CloudFormationResource, type ServerlessConfig } from './serverlessConfig.js';
import type { BackoffPolicy } from '../core/retry/RetryPolicy.js';
import { parseFunctionSluice, parseSluiceSettings, type ResolvedSluiceSettings } from './sluiceSettings.js';
import {
  assertQueueName,
  PLATFORM_FUNCTION,
  EVENT_DISPATCHER_FUNCTION,
  ROUTER_FUNCTION,
  SLUICE_LOGICAL_IDS,
  TASK_DLQ_RETENTION_SECONDS,
  TASK_QUEUE_RETENTION_SECONDS,
  taskDeadLetterQueueName,
  taskQueueName,
  VISIBILITY_TIMEOUT_FACTOR,
} from './sluiceNames.js';

/** The Sluice-managed queue of one process, as added to the configuration. */
export interface TaskQueueDeclaration {
  /** `${service}-${stage}-${function}` */
  name: string;
  logicalId: string;
  deadLetterName: string;
  deadLetterLogicalId: string;
  /** 6 x the function timeout. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchSize: number;
  maximumBatchingWindow: number;
}

export interface ExpandedProcess {
  /** The function key. */
  name: string;
  timeoutSeconds: number;
  /** The connections its logics may use (`sluice.connections`), each declared. */
  connections: string[];
  /** Undefined when the process opted out with `sluice: { queue: false }`. */
  taskQueue?: TaskQueueDeclaration;
  /** `sluice.retry.backoff`, defaults applied. */
  backoff: BackoffPolicy;
}

export interface ExpandedDeclarations {
  /** A new configuration: the input plus task queues, their DLQs and their `sqs` events. */
  config: ServerlessConfig;
  service: string;
  stage: string;
  settings: ResolvedSluiceSettings;
  /** `custom.sluice.connections`, validated (secret references unresolved). */
  connections: ConnectionDeclaration[];
  /** Every Sluice process (functions without `sluice: false`), in declaration order. */
  processes: ExpandedProcess[];
  /**
   * Keys of Sluice processes that configure Lambda on AWS but have no effect
   * on the embedded runtime, as `functions.<name>.<key>` (labels such as
   * `name`, `description`, `tags` and `package` are left out).
   */
  lambdaOnlyKeys: string[];
}

/** Framework function keys that change nothing at run time, so not worth a warning. */
const LABEL_KEYS = new Set(['name', 'description', 'tags', 'package']);

/**
 * Expands Sluice's concise declaration into plain Serverless configuration,
 * the same way for both runtimes: every function is a Sluice process unless
 * it says `sluice: false`, and each process gets a task queue
 * `${service}-${stage}-${function}` (visibility timeout 6 x the function
 * timeout, 4 days retention, SSE) with a dead-letter queue
 * `...-dlq` (14 days) after `maxReceiveCount` receives, plus an `sqs` event
 * that consumes it. `sluice: { queue: false }` opts out of the task queue.
 *
 * Pure: the input is not modified. AWS-only additions (IAM, the task table,
 * the platform function, environment variables) belong to the Serverless
 * plugin, not here.
 *
 * @param config a configuration whose variables are resolved
 * @throws {ConfigError} on unknown keys in `provider`, a process or in
 *   `custom.sluice` / `sluice` (naming the closest valid key), invalid settings, names
 *   SQS would reject, or a clash with a user resource or function
 */
export function expandSluiceDeclarations(config: ServerlessConfig, context: { stage: string }): ExpandedDeclarations {
  const expanded = structuredClone(config);
  const { stage } = context;
  const service = expanded.service;
  // Provider keys the framework knows but Sluice does not read configure the deployment: accepted silently.
  assertKnownKeys(expanded.provider, PROVIDER_KEYS, 'provider');
  const settings = parseSluiceSettings(expanded.custom?.sluice);
  const connections = parseConnections(isPlainObject(expanded.custom?.sluice) ? expanded.custom.sluice.connections : undefined, CONNECTION_TYPES);

  if (Object.hasOwn(expanded.functions, PLATFORM_FUNCTION)) {
    throw new ConfigError(`functions.${PLATFORM_FUNCTION}: this function name is reserved for the Sluice platform API`);
  }
  if (Object.hasOwn(expanded.functions, EVENT_DISPATCHER_FUNCTION)) {
    throw new ConfigError(`functions.${EVENT_DISPATCHER_FUNCTION}: this function name is reserved for the Sluice event dispatcher`);
  }
  if (Object.hasOwn(expanded.functions, ROUTER_FUNCTION)) {
    throw new ConfigError(`functions.${ROUTER_FUNCTION}: this function name is reserved for the Sluice router of runtime routes`);
  }

  expanded.resources ??= {};
  const resources: Record<string, CloudFormationResource> = (expanded.resources.Resources ??= {});
  const processes: ExpandedProcess[] = [];
  const lambdaOnlyKeys: string[] = [];

  for (const [name, fn] of Object.entries(expanded.functions)) {
    const sluice = parseFunctionSluice(fn.sluice, name, settings);
    if (!sluice.process) continue;
    for (const key of assertKnownKeys(fn, FUNCTION_KEYS, `functions.${name}`)) {
      if (!LABEL_KEYS.has(key)) lambdaOnlyKeys.push(`functions.${name}.${key}`);
    }
    const timeoutSeconds = functionTimeout(expanded, name);
    assertGrantedConnections(sluice.connections, connections, name);
    const granted = sluice.connections;
    if (sluice.taskQueue === false) {
      boundQueueConcurrency(fn, settings.defaultConcurrency);
      processes.push({ name, timeoutSeconds, connections: granted, backoff: sluice.backoff });
      continue;
    }

    const taskQueue: TaskQueueDeclaration = {
      name: taskQueueName(service, stage, name),
      logicalId: SLUICE_LOGICAL_IDS.taskQueue(name),
      deadLetterName: taskDeadLetterQueueName(service, stage, name),
      deadLetterLogicalId: SLUICE_LOGICAL_IDS.taskDeadLetterQueue(name),
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_FACTOR * timeoutSeconds,
      ...sluice.taskQueue,
    };
    assertQueueName(taskQueue.name, `functions.${name} task queue`);
    assertQueueName(taskQueue.deadLetterName, `functions.${name} task dead-letter queue`);
    for (const logicalId of [taskQueue.logicalId, taskQueue.deadLetterLogicalId]) {
      if (Object.hasOwn(resources, logicalId)) {
        throw new ConfigError(`resources.Resources.${logicalId}: this logical id is reserved for the task queues of functions.${name}`);
      }
    }

    resources[taskQueue.deadLetterLogicalId] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: taskQueue.deadLetterName,
        MessageRetentionPeriod: TASK_DLQ_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    };
    resources[taskQueue.logicalId] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: taskQueue.name,
        VisibilityTimeout: taskQueue.visibilityTimeoutSeconds,
        MessageRetentionPeriod: TASK_QUEUE_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [taskQueue.deadLetterLogicalId, 'Arn'] },
          maxReceiveCount: taskQueue.maxReceiveCount,
        },
      },
    };
    fn.events = [
      ...(fn.events ?? []),
      {
        sqs: {
          arn: { 'Fn::GetAtt': [taskQueue.logicalId, 'Arn'] },
          batchSize: taskQueue.batchSize,
          ...(taskQueue.maximumBatchingWindow > 0 ? { maximumBatchingWindow: taskQueue.maximumBatchingWindow } : {}),
        },
      },
    ];
    boundQueueConcurrency(fn, settings.defaultConcurrency);
    processes.push({ name, timeoutSeconds, connections: granted, taskQueue, backoff: sluice.backoff });
  }

  return { config: expanded, service, stage, settings, connections, processes, lambdaOnlyKeys };
}

/** SQS event source mappings scale up to 1,000 concurrent invocations; `MaximumConcurrency` takes 2 to 1,000. */
const MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

/**
 * Bounds every SQS trigger of a process (its task queue's and the user's)
 * by the function's concurrency, `reservedConcurrency` or else
 * `custom.sluice.defaultConcurrency` (64), as Lambda's
 * `ScalingConfig.MaximumConcurrency` (the event's `maximumConcurrency`)
 * unless the event sets its own: a backlog on one queue then cannot take
 * the account's whole concurrency and throttle the API routes and the
 * platform function. The embedded runtime bounds tasks the same way (one
 * slot per task, `defaultConcurrency` per function).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
 */
function boundQueueConcurrency(fn: FunctionConfig, defaultConcurrency: number): void {
  const reserved = typeof fn.reservedConcurrency === 'number' ? fn.reservedConcurrency : undefined;
  const bound = Math.min(reserved ?? defaultConcurrency, MAX_CONCURRENCY_RANGE.max);
  // Reserved concurrency under 2 already bounds the mappings (and MaximumConcurrency cannot be 1).
  if (bound < MAX_CONCURRENCY_RANGE.min || fn.events === undefined) return;
  fn.events = fn.events.map((event: unknown) => {
    if (!isPlainObject(event) || !('sqs' in event)) return event;
    const sqs = typeof event.sqs === 'string' ? { arn: event.sqs } : event.sqs;
    if (!isPlainObject(sqs) || sqs.maximumConcurrency !== undefined) return event;
    return { ...event, sqs: { ...sqs, maximumConcurrency: bound } };
  });
}
