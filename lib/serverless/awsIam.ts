import type { CloudFormationResource } from '../config/serverlessConfig.js';

/** One IAM policy statement, as CloudFormation takes it. */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: unknown[] | string;
  [key: string]: unknown;
}

/** The ARN pattern of the log streams of one function's log group: the only logs a function may write. */
export function logGroupArn(functionName: string): unknown {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*` };
}

export const VPC_ACCESS_POLICY_ARN = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole' };

/**
 * A Lambda execution role with exactly `statements`; no role name, so
 * CloudFormation generates one (names are limited to 64 characters and
 * would clash across stages).
 */
export function lambdaRole(options: {
  statements: PolicyStatement[];
  managedPolicyArns?: unknown[];
  permissionsBoundary?: unknown;
}): CloudFormationResource {
  const properties: Record<string, unknown> = {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
    },
    Policies: [{ PolicyName: 'sluice', PolicyDocument: { Version: '2012-10-17', Statement: options.statements } }],
  };
  if (options.managedPolicyArns && options.managedPolicyArns.length > 0) properties.ManagedPolicyArns = options.managedPolicyArns;
  if (options.permissionsBoundary !== undefined) properties.PermissionsBoundary = options.permissionsBoundary;
  return { Type: 'AWS::IAM::Role', Properties: properties };
}

/** Removes duplicate resources (compared as JSON), keeping order. */
export function uniqueResources(resources: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return resources.filter((resource) => {
    const key = JSON.stringify(resource);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The trust policy of a role EventBridge Scheduler assumes, with its
 * confused-deputy protection: only schedules of this account (and, given
 * `scheduleGroupArn`, of that group: Scheduler sets `aws:SourceArn` to the
 * schedule group's ARN). https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 */
export function schedulerTrustPolicy(scheduleGroupArn?: unknown): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ...(scheduleGroupArn !== undefined ? { ArnEquals: { 'aws:SourceArn': scheduleGroupArn } } : {}),
        },
      },
    ],
  };
}
