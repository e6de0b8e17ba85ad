import type { CloudFormationResource } from '../config/serverlessConfig.js';
import { normalizedFunctionName } from '../config/sluiceNames.js';
import type { PolicyStatement } from './awsIam.js';

/** Logical ids of what makes failures visible on AWS. */
export const FAILURE_LOGICAL_IDS = {
  /** Where alarms go: subscribe an email, a chat hook or a pager to it. */
  alarmTopic: 'SluiceAlarmTopic',
  /** Where Lambda sends the asynchronous invocations (schedule firings) it gave up on. */
  asyncFailures: 'SluiceAsyncFailureQueue',
  invokeConfig: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}InvokeConfig`,
  dlqAlarm: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}DeadLettersAlarm`,
  ageAlarm: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}QueueAgeAlarm`,
  errorsAlarm: (functionName: string) => `Sluice${normalizedFunctionName(functionName)}ErrorsAlarm`,
  asyncFailuresAlarm: 'SluiceAsyncFailuresAlarm',
} as const;

/** `custom.sluice.alarms`, defaults applied. */
export interface AlarmSettings {
  enabled: boolean;
  /** An existing SNS topic to notify instead of the one Sluice creates. */
  topicArn?: string;
  /** A task queue's oldest message older than this (seconds) raises its alarm. Default 900. */
  maxMessageAgeSeconds: number;
}

export interface FailureVisibilityInput {
  service: string;
  stage: string;
  settings: AlarmSettings;
  /** Every process: its Lambda's logical name, whether EventBridge invokes it (schedules), its task queue and DLQ logical ids. */
  processes: ReadonlyArray<{ name: string; schedules: boolean; taskQueue?: { logicalId: string; deadLetterLogicalId: string } }>;
  /** Other Sluice functions whose errors matter (the platform API, the event dispatcher). */
  functions: readonly string[];
}

/**
 * What makes failures visible on AWS (issue 7, item 8), as CloudFormation:
 * - an on-failure destination for every process that EventBridge invokes
 *   (its schedules): a firing Lambda gave up on after its retries lands in
 *   an SQS queue (kept 14 days) instead of vanishing;
 * - CloudWatch alarms, each notifying one SNS topic (Sluice's, or
 *   `custom.sluice.alarms.topicArn`): a task dead-letter queue holding any
 *   message; a task queue whose oldest message is older than
 *   `maxMessageAgeSeconds` (tasks are not keeping up); a function with
 *   errors (5 minutes); the asynchronous-failure queue holding any message.
 * Failed tasks themselves are in the task table and, one JSON line each,
 * in the function's log (see `failedTaskLogLine`).
 *
 * @returns the resources to add and, per process that gets a destination,
 *   the statement its role needs (Lambda sends to the destination with it)
 */
export function failureVisibility(input: FailureVisibilityInput): { resources: Record<string, CloudFormationResource>; statements: Map<string, PolicyStatement> } {
  const resources: Record<string, CloudFormationResource> = {};
  const statements = new Map<string, PolicyStatement>();
  if (!input.settings.enabled) return { resources, statements };
  const prefix = `${input.service}-${input.stage}`;
  if (!input.settings.topicArn) {
    resources[FAILURE_LOGICAL_IDS.alarmTopic] = { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${prefix}-alarms`, KmsMasterKeyId: 'alias/aws/sns' } };
  }
  const topic = input.settings.topicArn ?? { Ref: FAILURE_LOGICAL_IDS.alarmTopic };
  const alarm = (description: string, properties: Record<string, unknown>): CloudFormationResource => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: { AlarmDescription: description, AlarmActions: [topic], OKActions: [topic], TreatMissingData: 'notBreaching', EvaluationPeriods: 1, ...properties },
  });
  const queueAlarm = (queueLogicalId: string, metric: string, threshold: number, description: string) =>
    alarm(description, {
      Namespace: 'AWS/SQS',
      MetricName: metric,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: threshold,
    });
  const errorsAlarm = (functionName: string) =>
    alarm(`Sluice: function ${functionName} of ${prefix} has errors`, {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${normalizedFunctionName(functionName)}LambdaFunction` } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });

  const scheduled = input.processes.filter((p) => p.schedules);
  if (scheduled.length > 0) {
    resources[FAILURE_LOGICAL_IDS.asyncFailures] = { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${prefix}-async-failures`, MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true } };
    resources[FAILURE_LOGICAL_IDS.asyncFailuresAlarm] = queueAlarm(FAILURE_LOGICAL_IDS.asyncFailures, 'ApproximateNumberOfMessagesVisible', 1, `Sluice: a schedule firing of ${prefix} failed for good (see the ${prefix}-async-failures queue)`);
  }
  const failuresArn = { 'Fn::GetAtt': [FAILURE_LOGICAL_IDS.asyncFailures, 'Arn'] };
  for (const p of input.processes) {
    if (p.schedules) {
      resources[FAILURE_LOGICAL_IDS.invokeConfig(p.name)] = {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: `${normalizedFunctionName(p.name)}LambdaFunction` },
          Qualifier: '$LATEST',
          // Lambda's defaults for an asynchronous invocation, written down: 2 retries, 6 hours.
          MaximumRetryAttempts: 2,
          MaximumEventAgeInSeconds: 21_600,
          DestinationConfig: { OnFailure: { Destination: failuresArn } },
        },
      };
      statements.set(p.name, { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [failuresArn] });
    }
    if (p.taskQueue) {
      resources[FAILURE_LOGICAL_IDS.dlqAlarm(p.name)] = queueAlarm(p.taskQueue.deadLetterLogicalId, 'ApproximateNumberOfMessagesVisible', 1, `Sluice: tasks of ${p.name} (${prefix}) failed for good: their messages are in its dead-letter queue`);
      resources[FAILURE_LOGICAL_IDS.ageAlarm(p.name)] = queueAlarm(p.taskQueue.logicalId, 'ApproximateAgeOfOldestMessage', input.settings.maxMessageAgeSeconds, `Sluice: the task queue of ${p.name} (${prefix}) has messages older than ${input.settings.maxMessageAgeSeconds} s`);
    }
    resources[FAILURE_LOGICAL_IDS.errorsAlarm(p.name)] = errorsAlarm(p.name);
  }
  for (const name of input.functions) resources[FAILURE_LOGICAL_IDS.errorsAlarm(name)] = errorsAlarm(name);
  return { resources, statements };
}
