import { isPlainObject } from './VariableResolver.js';
import type { CloudFormationResource } from './serverlessConfig.js';

/**
 * The little of CloudFormation the embedded runtime can evaluate without
 * AWS: pseudo parameters, `Fn::Sub` / `Fn::Join` over them, and references to
 * SQS queues declared in the same file. Anything else is "unknown" and the
 * caller reports it.
 */
export interface CloudFormationScope {
  region: string;
  /** `provider.stackName`, else `${service}-${stage}` as the Serverless Framework names stacks. */
  stackName: string;
  resources: Readonly<Record<string, CloudFormationResource>>;
}

/** Account id used where an ARN must be built locally (the usual placeholder of AWS emulators). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** A string value, or undefined when it needs AWS to be known. */
export function evaluateString(value: unknown, scope: CloudFormationScope): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;

  if ('Ref' in value) return typeof value.Ref === 'string' ? pseudoParameter(value.Ref, scope) : undefined;
  if ('Fn::Sub' in value) {
    const sub = value['Fn::Sub'];
    if (typeof sub !== 'string') return undefined;
    let unknown = false;
    const out = sub.replace(/\$\{([^}]+)\}/g, (match, name: string) => {
      if (name.startsWith('!')) return '${' + name.slice(1) + '}';
      const resolved = name.includes('.') ? getAtt(name.split('.', 2) as [string, string], scope) : pseudoParameter(name, scope);
      if (resolved === undefined) unknown = true;
      return resolved ?? match;
    });
    return unknown ? undefined : out;
  }
  if ('Fn::Join' in value) {
    const join = value['Fn::Join'];
    if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) return undefined;
    const parts = join[1].map((part) => evaluateString(part, scope));
    return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
  }
  if ('Fn::GetAtt' in value) {
    const getAtt_ = value['Fn::GetAtt'];
    return Array.isArray(getAtt_) && getAtt_.length === 2 ? getAtt(getAtt_ as [string, string], scope) : undefined;
  }
  return undefined;
}

/**
 * The queue an SQS ARN designates: `Fn::GetAtt [Logical, Arn]` names a queue
 * of `resources`; a literal `arn:aws:sqs:region:account:name` (or a `Fn::Sub`
 * / `Fn::Join` that evaluates to one) names it directly.
 */
export function queueFromArn(
  arn: unknown,
  scope: CloudFormationScope,
): { kind: 'declared'; logicalId: string; name: string } | { kind: 'external'; name: string } | { kind: 'unknown' } {
  if (isPlainObject(arn) && 'Fn::GetAtt' in arn) {
    const target = arn['Fn::GetAtt'];
    if (Array.isArray(target) && target[1] === 'Arn' && typeof target[0] === 'string') {
      const name = sqsQueueName(target[0], scope);
      return name === undefined ? { kind: 'unknown' } : { kind: 'declared', logicalId: target[0], name };
    }
    return { kind: 'unknown' };
  }
  const text = evaluateString(arn, scope);
  const match = text === undefined ? null : /^arn:[^:]+:sqs:[^:]*:[^:]*:([^:]+)$/.exec(text);
  if (!match) return { kind: 'unknown' };
  const name = match[1] as string;
  const declared = Object.entries(scope.resources).find(
    ([logicalId, resource]) => resource.Type === 'AWS::SQS::Queue' && sqsQueueName(logicalId, scope) === name,
  );
  return declared ? { kind: 'declared', logicalId: declared[0], name } : { kind: 'external', name };
}

/** `QueueName` of a declared queue (the logical id when absent), or undefined when not a known queue. */
export function sqsQueueName(logicalId: string, scope: CloudFormationScope): string | undefined {
  const resource = scope.resources[logicalId];
  if (!resource || resource.Type !== 'AWS::SQS::Queue') return undefined;
  const declared = resource.Properties?.QueueName;
  if (declared === undefined) return logicalId;
  // A QueueName that refers to itself would loop; evaluate without queue lookups.
  return evaluateString(declared, { ...scope, resources: {} });
}

function getAtt([logicalId, attribute]: [string, string], scope: CloudFormationScope): string | undefined {
  const name = sqsQueueName(logicalId, scope);
  if (name === undefined) return undefined;
  if (attribute === 'QueueName') return name;
  if (attribute === 'Arn') return `arn:aws:sqs:${scope.region}:${LOCAL_ACCOUNT_ID}:${name}`;
  return undefined;
}

function pseudoParameter(name: string, scope: CloudFormationScope): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT_ID;
    default:
      return undefined;
  }
}
