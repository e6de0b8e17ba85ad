import { subscribableQueues } from '../config/checkTriggerSpec.js';
import { SLUICE_ENV } from '../aws/config/sluiceEnv.js';
import { triggerTableProperties } from '../aws/triggerTable.js';
import type { CloudFormationResource } from '../config/serverlessConfig.js';
import type { ServiceManifest } from '../config/ServiceManifest.js';
import { normalizedFunctionName, SLUICE_LOGICAL_IDS, triggerTableName } from '../config/sluiceNames.js';
import { schedulerTrustPolicy, type PolicyStatement } from './awsIam.js';

/** Logical ids of the trigger registry's resources. */
export const RUNTIME_TRIGGER_IDS = {
  table: SLUICE_LOGICAL_IDS.triggerTable,
  scheduleGroup: 'SluiceScheduleGroup',
  schedulerRole: 'SluiceRuntimeSchedulerRole',
} as const;

/** Scheduler's limit on a schedule group's name. */
const MAX_GROUP_NAME = 64;

export interface RuntimeTriggerInput {
  service: string;
  stage: string;
  manifest: Pick<ServiceManifest, 'processes' | 'queues'>;
  /** The deployment's async-failures queue (when a process has static schedules): where Scheduler sends a runtime firing it gave up on. */
  scheduleDeadLetterArn?: unknown;
}

/** What the trigger registry adds to the stack, and to each Sluice function. */
export interface RuntimeTriggerParts {
  resources: Record<string, CloudFormationResource>;
  /** On every Sluice function (process functions read static schedules' pauses, the dispatcher runtime subscriptions). */
  environment: Record<string, unknown>;
  /** The platform function's extra environment: the schedule group, the scheduler role, the account. */
  platformEnvironment: Record<string, unknown>;
  platformStatements: PolicyStatement[];
  /** Each process function: its pause read, and the consume rights of the queues it may be subscribed to at run time. */
  processStatements: PolicyStatement[];
  /** The event dispatcher: the registry read (runtime subscriptions). */
  dispatcherStatements: PolicyStatement[];
}

/** The schedule group of runtime schedules: `sluice-<service>-<stage>`, cut to Scheduler's 64 characters. */
export function scheduleGroupName(service: string, stage: string): string {
  return `sluice-${service}-${stage}`.slice(0, MAX_GROUP_NAME);
}

/**
 * The AWS side of the trigger registry (`/sluice/triggers`), least
 * privilege:
 *
 * - the trigger table `${service}-${stage}-triggers` (`triggerTable.ts`);
 * - the schedule group `sluice-<service>-<stage>` (`AWS::Scheduler::ScheduleGroup`):
 *   runtime schedules live there, and the platform function's Scheduler
 *   rights stop at its schedules (`schedule/<group>/*`; `ListSchedules` has
 *   no resource type: `*`);
 * - one role for runtime schedules, trusted by `scheduler.amazonaws.com`
 *   from this account only, allowed `lambda:InvokeFunction` on the service's
 *   process functions (and send to the deployment's async-failures queue,
 *   the schedules' dead-letter queue, when there is one) and nothing else;
 *   the platform function may pass
 *   exactly this role, and only to Scheduler (`iam:PassedToService`);
 * - event source mappings: create, update, delete and read only those of
 *   the process functions (`lambda:FunctionArn` condition; `List` has no
 *   resource type);
 * - process functions: consume rights (what Lambda's SQS poller uses, with
 *   the function's role) on the queues a runtime queue trigger may name —
 *   the declared queues that are no task queue nor a task queue's DLQ, the
 *   same rule as `checkTriggerSpec` — and `GetItem` on the trigger table (a
 *   paused static schedule's firing is skipped);
 * - the event dispatcher: `Scan` of the trigger table (runtime
 *   subscriptions).
 */
export function runtimeTriggerParts(input: RuntimeTriggerInput): RuntimeTriggerParts {
  const { service, stage, manifest } = input;
  const group = scheduleGroupName(service, stage);
  const tableArn = { 'Fn::GetAtt': [RUNTIME_TRIGGER_IDS.table, 'Arn'] };
  const roleArn = { 'Fn::GetAtt': [RUNTIME_TRIGGER_IDS.schedulerRole, 'Arn'] };
  const functionArns = manifest.processes.map((p) => ({ 'Fn::GetAtt': [`${normalizedFunctionName(p.name)}LambdaFunction`, 'Arn'] }));
  const queueArns = subscribableQueues({ processes: manifest.processes, queues: manifest.queues }).map((queue) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${queue}` }));

  const resources: Record<string, CloudFormationResource> = {
    [RUNTIME_TRIGGER_IDS.table]: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: triggerTableName(service, stage), ...triggerTableProperties() } },
    [RUNTIME_TRIGGER_IDS.scheduleGroup]: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: group } },
  };
  if (functionArns.length > 0) {
    resources[RUNTIME_TRIGGER_IDS.schedulerRole] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        // Only schedules of this account, in this service's group.
        AssumeRolePolicyDocument: schedulerTrustPolicy({ 'Fn::GetAtt': [RUNTIME_TRIGGER_IDS.scheduleGroup, 'Arn'] }),
        Policies: [
          {
            PolicyName: 'invoke-process-functions',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: functionArns },
                // A schedule's dead-letter queue is sent to with its role.
                ...(input.scheduleDeadLetterArn !== undefined ? [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [input.scheduleDeadLetterArn] }] : []),
              ],
            },
          },
        ],
      },
    };
  }

  const registry: PolicyStatement = {
    Effect: 'Allow',
    // TransactWriteItems is authorised per item: PutItem (record, history), DeleteItem, and UpdateItem (the
    // registry's generation counter, bumped in every write for the router).
    Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
    Resource: [tableArn],
  };
  const platformStatements: PolicyStatement[] = [registry];
  if (functionArns.length > 0) {
    platformStatements.push(
      {
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${group}/*` }],
      },
      { Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: '*' },
      { Effect: 'Allow', Action: ['iam:PassRole'], Resource: [roleArn], Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
      { Effect: 'Allow', Action: ['lambda:CreateEventSourceMapping'], Resource: '*', Condition: { ArnLike: { 'lambda:FunctionArn': functionArns } } },
      {
        Effect: 'Allow',
        Action: ['lambda:UpdateEventSourceMapping', 'lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:event-source-mapping:*' }],
        Condition: { ArnLike: { 'lambda:FunctionArn': functionArns } },
      },
      { Effect: 'Allow', Action: ['lambda:ListEventSourceMappings'], Resource: '*' },
    );
  }
  const processStatements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [tableArn] }];
  if (queueArns.length > 0) {
    processStatements.push({ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], Resource: queueArns });
  }
  return {
    resources,
    environment: { [SLUICE_ENV.triggerTable]: { Ref: RUNTIME_TRIGGER_IDS.table } },
    platformEnvironment:
      functionArns.length > 0
        ? {
            [SLUICE_ENV.scheduleGroup]: group,
            [SLUICE_ENV.schedulerRoleArn]: roleArn,
            [SLUICE_ENV.awsAccount]: { 'Fn::Sub': '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}' },
            ...(input.scheduleDeadLetterArn !== undefined ? { [SLUICE_ENV.scheduleDeadLetterArn]: input.scheduleDeadLetterArn } : {}),
          }
        : {},
    platformStatements,
    processStatements,
    dispatcherStatements: [{ Effect: 'Allow', Action: ['dynamodb:Scan'], Resource: [tableArn] }],
  };
}
