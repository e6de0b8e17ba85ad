import { ConfigError } from '../core/errors.js';
import type { QueueSpec } from '../core/ports/MessageQueue.js';
import {
  SQS_DEFAULT_RETENTION_SECONDS,
  SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_RETENTION_SECONDS,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  SQS_MIN_RETENTION_SECONDS,
} from '../core/queue/sqsRules.js';
import { evaluateString, queueFromArn, type CloudFormationScope } from './cloudFormationValues.js';
import { isPlainObject } from './VariableResolver.js';

/**
 * One {@link QueueSpec} per `AWS::SQS::Queue` in `resources.Resources`
 * (task queues included, once expanded), in declaration order.
 *
 * - `QueueName` defaults to the logical id (CloudFormation would generate a
 *   name; the embedded runtime needs a stable one).
 * - `VisibilityTimeout` defaults to 30, `MessageRetentionPeriod` to 345600.
 * - `RedrivePolicy` becomes `deadLetter` with the DLQ's queue name. A DLQ
 *   given as a literal ARN of a queue not declared here is added with SQS
 *   defaults, as the embedded runtime must provide it.
 *
 * @throws {ConfigError} for FIFO queues (not supported yet), duplicate
 *   names, out-of-range or AWS-only (unresolvable) property values
 */
export function buildQueueSpecs(scope: CloudFormationScope): QueueSpec[] {
  const specs: QueueSpec[] = [];
  const byName = new Map<string, string>();

  for (const [logicalId, resource] of Object.entries(scope.resources)) {
    if (resource.Type !== 'AWS::SQS::Queue') continue;
    const place = `resources.Resources.${logicalId}`;
    const properties = resource.Properties ?? {};
    const name = properties.QueueName === undefined ? logicalId : evaluateString(properties.QueueName, scope);
    if (name === undefined) {
      throw new ConfigError(
        `${place}.Properties.QueueName: ${JSON.stringify(properties.QueueName)} cannot be resolved without AWS; use a plain name or \${self:...} variables`,
      );
    }
    const fifo = properties.FifoQueue;
    if (fifo === true || fifo === 'true' || name.endsWith('.fifo')) {
      throw new ConfigError(
        `${place}: FIFO queues are not supported yet. Sluice delivers with standard-queue semantics (at least once, unordered); declare a standard queue instead`,
      );
    }
    const previous = byName.get(name);
    if (previous !== undefined) {
      throw new ConfigError(`${place}: queue name '${name}' is also used by resources.Resources.${previous}`);
    }
    byName.set(name, logicalId);

    const spec: QueueSpec = {
      name,
      visibilityTimeoutSeconds: integerProperty(properties.VisibilityTimeout, `${place}.Properties.VisibilityTimeout`, 0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
      messageRetentionSeconds: integerProperty(
        properties.MessageRetentionPeriod,
        `${place}.Properties.MessageRetentionPeriod`,
        SQS_MIN_RETENTION_SECONDS,
        SQS_MAX_RETENTION_SECONDS,
        SQS_DEFAULT_RETENTION_SECONDS,
      ),
    };
    const deadLetter = redrivePolicy(properties.RedrivePolicy, `${place}.Properties.RedrivePolicy`, scope);
    if (deadLetter) spec.deadLetter = deadLetter;
    specs.push(spec);
  }

  for (const spec of [...specs]) {
    const dlq = spec.deadLetter?.queue;
    if (dlq !== undefined && !byName.has(dlq)) {
      byName.set(dlq, '(external)');
      specs.push(externalQueueSpec(dlq));
    }
  }
  return specs;
}

/** A queue referenced by ARN but not declared in this file: SQS defaults. */
export function externalQueueSpec(name: string): QueueSpec {
  return { name, visibilityTimeoutSeconds: SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS, messageRetentionSeconds: SQS_DEFAULT_RETENTION_SECONDS };
}

function redrivePolicy(raw: unknown, place: string, scope: CloudFormationScope): QueueSpec['deadLetter'] {
  if (raw === undefined || raw === null) return undefined;
  let policy: unknown = raw;
  if (typeof raw === 'string') {
    // CloudFormation also accepts the policy as a JSON string.
    try {
      policy = JSON.parse(raw) as unknown;
    } catch (cause) {
      throw new ConfigError(`${place}: not valid JSON`, { cause });
    }
  }
  if (!isPlainObject(policy)) throw new ConfigError(`${place}: expected { deadLetterTargetArn, maxReceiveCount }`);
  const target = queueFromArn(policy.deadLetterTargetArn, scope);
  if (target.kind === 'unknown') {
    throw new ConfigError(
      `${place}.deadLetterTargetArn: ${JSON.stringify(policy.deadLetterTargetArn)} is not the ARN of a queue; use !GetAtt <Queue>.Arn of a queue declared under resources, or a literal arn:aws:sqs:... ARN`,
    );
  }
  if (policy.maxReceiveCount === undefined) throw new ConfigError(`${place}.maxReceiveCount is required`);
  return {
    queue: target.name,
    maxReceiveCount: integerProperty(policy.maxReceiveCount, `${place}.maxReceiveCount`, 1, SQS_MAX_RECEIVE_COUNT, 0),
  };
}

/** An integer property (numeric strings accepted, as CloudFormation does), or `fallback` when absent. */
export function integerProperty(raw: unknown, place: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConfigError(
      `${place}: ${JSON.stringify(raw)} is not a whole number${typeof raw === 'object' ? ' (CloudFormation functions cannot be resolved without AWS)' : ''}`,
    );
  }
  if (value < min || value > max) throw new ConfigError(`${place}: ${value} is out of range ${min}..${max}`);
  return value;
}
