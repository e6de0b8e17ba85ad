import { assertQueueName, EVENT_DISPATCHER_FUNCTION, normalizedFunctionName, SLUICE_LOGICAL_IDS, TASK_DLQ_RETENTION_SECONDS } from '../config/sluiceNames.js';
import type { CloudFormationResource, FunctionConfig } from '../config/serverlessConfig.js';
import type { ExpandedProcess } from '../config/expandSluiceDeclarations.js';
import type { ServiceManifest } from '../config/ServiceManifest.js';
import { DEPLOYMENT_CATALOG_FILE } from '../aws/config/deploymentCatalog.js';
import { FUNCTION_KIND, SLUICE_ENV } from '../aws/config/sluiceEnv.js';
import type { PolicyStatement } from './awsIam.js';

/**
 * How the events table's stream feeds the dispatcher (an
 * `AWS::Lambda::EventSourceMapping`, written here rather than as a framework
 * `stream` event: the framework would also grant the stream to its shared
 * default role).
 *
 * - `FilterCriteria` INSERT only: an event is written once; `REMOVE` records
 *   are TTL deletions, which would otherwise each cost an invocation.
 * - `ReportBatchItemFailures`: the handler returns the first failing record,
 *   Lambda resumes from it; the records before it are not dispatched again.
 * - `BisectBatchOnFunctionError`: a batch that throws (a timeout) is split to
 *   isolate the record that causes it.
 * - `MaximumRetryAttempts` 10: a record that keeps failing would otherwise
 *   hold its shard until it leaves the stream (24 hours); after the retries
 *   its batch's description (shard, sequence numbers) goes to the
 *   `OnFailure` queue, kept 14 days — the events themselves stay in the table.
 * - `BatchSize` 100: a record costs a few sequential requests per matching
 *   subscription, well within the function's timeout.
 * - `StartingPosition` TRIM_HORIZON: events published before the mapping
 *   existed (same stack, created in any order) are dispatched too.
 */
export const EVENT_DISPATCH_MAPPING = {
  batchSize: 100,
  maximumRetryAttempts: 10,
  startingPosition: 'TRIM_HORIZON',
  timeoutSeconds: 60,
} as const;

export interface EventDispatcherInput {
  service: string;
  stage: string;
  manifest: Pick<ServiceManifest, 'processes'>;
  expandedProcesses: readonly ExpandedProcess[];
  handler: string;
  /** The `SLUICE_*` variables every Sluice function gets. */
  commonEnvironment: Record<string, unknown>;
  /** `SLUICE_QUEUE_URL_PREFIX`'s CloudFormation value. */
  queueUrlPrefix: unknown;
  taskTableArn: unknown;
}

export interface EventDispatcherParts {
  functionName: string;
  fn: FunctionConfig;
  statements: PolicyStatement[];
  /** Resources besides the mapping (the on-failure queue). */
  resources: Record<string, CloudFormationResource>;
  /** The mapping, once the function's role is known (it must exist before Lambda checks the stream access). */
  mapping(roleLogicalId: string | undefined): CloudFormationResource;
}

/**
 * The event dispatcher (`sluice-events`): the function, its least-privilege
 * statements, its on-failure queue and its mapping on the events table's
 * stream. A subscription can be created at run time (`/sluice/triggers`,
 * read by the dispatcher from the trigger registry) for any process with a
 * task queue: the dispatcher is there, and may send to, every task queue.
 * `undefined` when no process has one: nothing could subscribe.
 */
export function eventDispatcherParts(input: EventDispatcherInput): EventDispatcherParts | undefined {
  const subscribers = input.manifest.processes.filter((process) => process.taskQueue !== undefined);
  if (subscribers.length === 0) return undefined;
  const functionName = `${input.service}-${input.stage}-${EVENT_DISPATCHER_FUNCTION}`;
  const failuresName = `${functionName}-failures`;
  assertQueueName(failuresName, `the event dispatcher's failure queue`);
  const streamArn = { 'Fn::GetAtt': [SLUICE_LOGICAL_IDS.eventsTable, 'StreamArn'] };
  const failuresArn = { 'Fn::GetAtt': [SLUICE_LOGICAL_IDS.eventDispatchFailures, 'Arn'] };
  const subscriberQueueArns = subscribers.map((process) => {
    const expanded = input.expandedProcesses.find((candidate) => candidate.name === process.name);
    // buildServiceManifest refuses a subscription without a task queue: this is a bug, not a config error.
    if (!expanded?.taskQueue) throw new Error(`process ${process.name} subscribes to data events but has no task queue`);
    return { 'Fn::GetAtt': [expanded.taskQueue.logicalId, 'Arn'] };
  });

  const fn: FunctionConfig = {
    name: functionName,
    handler: input.handler,
    timeout: EVENT_DISPATCH_MAPPING.timeoutSeconds,
    description: 'Sluice event dispatcher: queues the tasks of dataEvent subscriptions',
    sluice: false,
    environment: {
      [SLUICE_ENV.functionKind]: FUNCTION_KIND.eventDispatcher,
      ...input.commonEnvironment,
      [SLUICE_ENV.queueUrlPrefix]: input.queueUrlPrefix,
    },
    // The subscriptions and the chain depth limit are in the catalog.
    package: { patterns: [DEPLOYMENT_CATALOG_FILE] },
    // Its trigger is the mapping below; the framework still expects the list (added after its normalisation).
    events: [],
  };
  const statements: PolicyStatement[] = [
    // What Lambda's poller needs of the function's role; on this stream only.
    { Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'], Resource: [streamArn] },
    // AwsTaskDispatcher: a conditional put of the queued record (a read when an endpoint omits ALL_OLD).
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [input.taskTableArn] },
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: subscriberQueueArns },
    // The mapping's OnFailure destination is sent to with the function's role.
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [failuresArn] },
  ];
  const resources: Record<string, CloudFormationResource> = {
    [SLUICE_LOGICAL_IDS.eventDispatchFailures]: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: failuresName, MessageRetentionPeriod: TASK_DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
    },
  };
  return {
    functionName,
    fn,
    statements,
    resources,
    mapping: (roleLogicalId) => ({
      Type: 'AWS::Lambda::EventSourceMapping',
      ...(roleLogicalId !== undefined ? { DependsOn: [roleLogicalId] } : {}),
      Properties: {
        EventSourceArn: streamArn,
        FunctionName: { 'Fn::GetAtt': [`${normalizedFunctionName(EVENT_DISPATCHER_FUNCTION)}LambdaFunction`, 'Arn'] },
        StartingPosition: EVENT_DISPATCH_MAPPING.startingPosition,
        BatchSize: EVENT_DISPATCH_MAPPING.batchSize,
        MaximumRetryAttempts: EVENT_DISPATCH_MAPPING.maximumRetryAttempts,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
        DestinationConfig: { OnFailure: { Destination: failuresArn } },
      },
    }),
  };
}
