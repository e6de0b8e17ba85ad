import { INPUT_SCHEMAS_FILE } from '../aws/config/inputSchemaCatalog.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../core/retry/RetryPolicy.js';
import { DEPLOYMENT_CATALOG_FILE } from '../aws/config/deploymentCatalog.js';
import { assertAwsConnections, connectionStatements, secretRefStatements } from './connectionPolicies.js';
import { assertAwsAuthorizers } from './assertAwsAuthorizers.js';
import { FUNCTION_KIND, LAMBDA_ENV_LIMIT_BYTES, SLUICE_ENV } from '../aws/config/sluiceEnv.js';
import { TASK_TABLE, taskTableProperties } from '../aws/taskTable.js';
import { kvTableProperties } from '../aws/kvTable.js';
import { eventTableProperties } from '../aws/eventTable.js';
import { eventDispatcherParts } from './eventDispatcherParts.js';
import { routerFunctionParts } from './routerFunctionParts.js';
import { queueFromArn, type CloudFormationScope } from '../config/cloudFormationValues.js';
import type { ExpandedDeclarations, ExpandedProcess } from '../config/expandSluiceDeclarations.js';
import type { CloudFormationResource, FunctionConfig } from '../config/serverlessConfig.js';
import type { ProcessManifest, ScheduleManifest, ServiceManifest } from '../config/ServiceManifest.js';
import { EVENT_DISPATCHER_FUNCTION, eventsTableName, kvTableName, normalizedFunctionName, PLATFORM_FUNCTION, ROUTER_FUNCTION, SLUICE_LOGICAL_IDS, taskTableName, triggerTableName, VISIBILITY_TIMEOUT_FACTOR } from '../config/sluiceNames.js';
import { SCHEDULE_INPUT_LIMIT, SCHEDULER_TIME, scheduleFiringTemplate } from '../aws/triggers/scheduleFiringTemplate.js';
import { isPlainObject } from '../config/VariableResolver.js';
import { ConfigError } from '../core/errors.js';
import { FAILURE_LOGICAL_IDS, failureVisibility } from './failureAlarms.js';
import { runtimeTriggerParts } from './runtimeTriggerParts.js';
import { subscribableQueues } from '../config/checkTriggerSpec.js';
import { AWS_PLATFORM_ROUTES } from '../platform/platformRoutes.js';
import { lambdaRole, logGroupArn, schedulerTrustPolicy, uniqueResources, VPC_ACCESS_POLICY_ARN, type PolicyStatement } from './awsIam.js';

/** What the plugin writes back into the service. */
export interface AwsAdditions {
  /** Complete definitions of the Sluice process functions (rewritten) and the platform function (new). */
  functions: Record<string, FunctionConfig>;
  /** The complete `resources.Resources`: the user's, the task queues, the task table and the roles. */
  resources: Record<string, CloudFormationResource>;
  /** Problems worth a warning, not a failure. */
  warnings: string[];
}

/** Lambda function names: at most 64 characters (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html). */
const MAX_LAMBDA_NAME = 64;

/** Timeout of the platform function: its work is a few DynamoDB / SQS calls, well under HTTP API's 30 s. */
const PLATFORM_TIMEOUT_SECONDS = 10;

/** AWS advises a maxReceiveCount of at least 5 with Lambda consumers. */
const MIN_ADVISED_MAX_RECEIVE_COUNT = 5;

/** Assumed size of a CloudFormation value whose length is unknown before deployment (an ARN, a URL). */
const UNKNOWN_VALUE_BYTES = 128;

/**
 * The AWS-only part of Sluice's expansion, on top of
 * `expandSluiceDeclarations` (queues) and `buildServiceManifest` (checks):
 *
 * - the task table `SluiceTaskTable` (`${service}-${stage}-tasks`), the
 *   key-value table and the events table (`${service}-${stage}-events`,
 *   data events: processes publish there in their final record's
 *   transaction; its stream feeds the event dispatcher `sluice-events`,
 *   deployed when a process has `dataEvent` subscriptions);
 * - `ReportBatchItemFailures` on every `sqs` event of a process (the handler
 *   returns `batchItemFailures`; without it Lambda would delete failed messages);
 * - schedules rewritten to an input transformer that gives the handler
 *   `{ sluiceSchedule: { rule, time, input? } }`: with a plain `input` Lambda would
 *   get the bare input and lose the schedule time, and without one it could
 *   not tell which Sluice rule fired;
 * - one least-privilege role per function (logs of its own log group, the
 *   table, exactly the queues it consumes or feeds);
 * - the platform API function `sluice-api` behind IAM-authenticated routes;
 * - the `SLUICE_*` environment variables (`lib/aws/config/sluiceEnv.ts`).
 *
 * Pure: returns new objects.
 *
 * @throws {ConfigError} on logical-id clashes, an input template or
 *   environment over AWS limits
 */
export function buildAwsAdditions(expanded: ExpandedDeclarations, manifest: ServiceManifest): AwsAdditions {
  const { config, service, stage, settings } = expanded;
  const warnings: string[] = [];
  const resources: Record<string, CloudFormationResource> = { ...(config.resources?.Resources ?? {}) };
  const add = (logicalId: string, resource: CloudFormationResource): void => {
    if (Object.hasOwn(resources, logicalId)) {
      throw new ConfigError(`resources.Resources.${logicalId}: this logical id is reserved for Sluice`);
    }
    resources[logicalId] = resource;
  };
  const scope: CloudFormationScope = {
    region: manifest.region,
    stackName: typeof config.provider.stackName === 'string' ? config.provider.stackName : `${service}-${stage}`,
    resources,
  };
  /** Sizes of our own CloudFormation values, for the 4 KB environment check. */
  const knownSizes = new WeakMap<object, number>();
  const sized = <T extends object>(value: T, bytes: number): T => {
    knownSizes.set(value, bytes);
    return value;
  };

  const tableName = taskTableName(service, stage);
  add(SLUICE_LOGICAL_IDS.taskTable, {
    Type: 'AWS::DynamoDB::Table',
    Properties: { TableName: tableName, ...taskTableProperties() },
  });
  const tableArn = { 'Fn::GetAtt': [SLUICE_LOGICAL_IDS.taskTable, 'Arn'] };
  // ctx.kv and /sluice/kv: one table per service and stage.
  const kvName = kvTableName(service, stage);
  add(SLUICE_LOGICAL_IDS.kvTable, { Type: 'AWS::DynamoDB::Table', Properties: { TableName: kvName, ...kvTableProperties() } });
  const kvStatement: PolicyStatement = {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    Resource: [{ 'Fn::GetAtt': [SLUICE_LOGICAL_IDS.kvTable, 'Arn'] }],
  };
  // Data events (ctx.events): one table per service and stage, streamed to the event dispatcher.
  const eventsName = eventsTableName(service, stage);
  add(SLUICE_LOGICAL_IDS.eventsTable, { Type: 'AWS::DynamoDB::Table', Properties: { TableName: eventsName, ...eventTableProperties() } });
  const eventsArn = { 'Fn::GetAtt': [SLUICE_LOGICAL_IDS.eventsTable, 'Arn'] };
  const eventsReadStatement: PolicyStatement = {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:Query'],
    Resource: [eventsArn, { 'Fn::Join': ['', [eventsArn, '/index/*']] }],
  };
  // Events are only written in TransactWriteItems with their task record, which IAM authorizes per item: PutItem.
  const eventsPublishStatement: PolicyStatement = { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [eventsArn] };
  const indexArn = { 'Fn::Join': ['', [tableArn, `/index/${TASK_TABLE.byProcessIndex}`]] };
  const queueUrlEstimate = `https://sqs.${manifest.region}.amazonaws.com/123456789012/`;

  const roles = roleContext(config, warnings);
  const common = (): Record<string, unknown> => ({
    [SLUICE_ENV.service]: service,
    [SLUICE_ENV.stage]: stage,
    [SLUICE_ENV.taskTable]: sized({ Ref: SLUICE_LOGICAL_IDS.taskTable }, tableName.length),
    [SLUICE_ENV.retentionDays]: String(settings.retentionDays),
    [SLUICE_ENV.maxPayloadBytes]: String(settings.maxPayloadBytes),
    // Processes, connections and grants travel in a bundled file, not in the 4 KB environment.
    [SLUICE_ENV.catalog]: DEPLOYMENT_CATALOG_FILE,
    [SLUICE_ENV.kvTable]: sized({ Ref: SLUICE_LOGICAL_IDS.kvTable }, kvName.length),
    [SLUICE_ENV.eventsTable]: sized({ Ref: SLUICE_LOGICAL_IDS.eventsTable }, eventsName.length),
    [SLUICE_ENV.kvMaxTtlSeconds]: String(settings.kv.maxTtlSeconds),
    ...(settings.kv.defaultTtlSeconds !== undefined ? { [SLUICE_ENV.kvDefaultTtlSeconds]: String(settings.kv.defaultTtlSeconds) } : {}),
    ...triggerParts.environment,
  });
  warnings.push(...assertAwsConnections(manifest.connections));
  assertAwsAuthorizers(manifest.authorizers);

  // OpenLineage push from the process functions: its key, by reference, readable by them and only them.
  const lineageKey = manifest.settings.openlineage?.apiKey;
  if (lineageKey && lineageKey.ssm === undefined && lineageKey.secretsManager === undefined) {
    throw new ConfigError('custom.sluice.openlineage.apiKey: on AWS the key is read from SSM or Secrets Manager ({ ssm: /path } or { secretsManager: name }), not from an environment variable');
  }
  const lineageStatements = lineageKey ? secretRefStatements([lineageKey]) : [];
  // Failures seen: on-failure destinations for schedule firings, alarms to an SNS topic.
  const failures = failureVisibility({
    service,
    stage,
    settings: settings.alarms,
    processes: manifest.processes.map((process) => {
      const taskQueue = expanded.processes.find((candidate) => candidate.name === process.name)?.taskQueue;
      return { name: process.name, schedules: process.schedules.length > 0, ...(taskQueue ? { taskQueue: { logicalId: taskQueue.logicalId, deadLetterLogicalId: taskQueue.deadLetterLogicalId } } : {}) };
    }),
    // The dispatcher is deployed as soon as a process could subscribe (has a task queue): see eventDispatcherParts.
    functions: [PLATFORM_FUNCTION, ...(manifest.processes.some((process) => process.taskQueue !== undefined) ? [EVENT_DISPATCHER_FUNCTION] : [])],
  });
  // The trigger registry (/sluice/triggers): its table, runtime schedules' group and role, each function's rights.
  const triggerParts = runtimeTriggerParts({ service, stage, manifest, ...(failures.resources[FAILURE_LOGICAL_IDS.asyncFailures] ? { scheduleDeadLetterArn: { 'Fn::GetAtt': [FAILURE_LOGICAL_IDS.asyncFailures, 'Arn'] } } : {}) });
  for (const [logicalId, resource] of Object.entries(triggerParts.resources)) add(logicalId, resource);
  const subscribable = subscribableQueues(manifest);
  const functions: Record<string, FunctionConfig> = {};
  const processFunctionNames: Record<string, string> = {};
  for (const process of manifest.processes) {
    const declared = expanded.processes.find((candidate) => candidate.name === process.name) as ExpandedProcess;
    const fn: FunctionConfig = structuredClone(config.functions[process.name] as FunctionConfig);
    const deployedName = typeof fn.name === 'string' ? fn.name : `${service}-${stage}-${process.name}`;
    processFunctionNames[process.name] = deployedName;
    const consumedArns: unknown[] = [];

    const onScheduler: ScheduleManifest[] = [];
    fn.events = rewriteEvents(fn.events ?? [], process, consumedArns, onScheduler);
    addSchedulerSchedules(process.name, onScheduler, add);
    for (const schedule of process.schedules.filter((candidate) => candidate.overlap === 'buffer_one')) {
      warnings.push(`functions.${process.name}: schedule '${schedule.rule}' has overlap buffer_one, which only the embedded runtime implements; on AWS such a firing is skipped (and recorded)`);
    }
    for (const arn of consumedArns) {
      const queue = queueFromArn(arn, scope);
      const spec = queue.kind === 'declared' ? manifest.queues.find((candidate) => candidate.name === queue.name) : undefined;
      if (spec && spec.name !== process.taskQueue && spec.visibilityTimeoutSeconds < VISIBILITY_TIMEOUT_FACTOR * process.timeoutSeconds) {
        warnings.push(
          `queue '${spec.name}' has a visibility timeout of ${spec.visibilityTimeoutSeconds}s; AWS advises at least ${VISIBILITY_TIMEOUT_FACTOR} x the timeout of functions.${process.name} (${VISIBILITY_TIMEOUT_FACTOR * process.timeoutSeconds}s), or retried messages may be processed twice at once`,
        );
      }
    }

    if (declared.taskQueue && declared.taskQueue.maxReceiveCount < MIN_ADVISED_MAX_RECEIVE_COUNT) {
      warnings.push(
        `functions.${process.name}: maxReceiveCount ${declared.taskQueue.maxReceiveCount} is below ${MIN_ADVISED_MAX_RECEIVE_COUNT}; with Lambda, SQS may count receives the function never got, so tasks can reach the dead-letter queue early`,
      );
    }

    // Its static queues, and every queue a runtime trigger may subscribe it to (the queues its role may consume,
    // runtimeTriggerParts): without the count, the last receive before SQS's redrive would not fail the task.
    const maxReceiveCounts: Record<string, number> = {};
    for (const queue of [...process.queues.map((trigger) => trigger.queue), ...subscribable]) {
      const deadLetter = manifest.queues.find((candidate) => candidate.name === queue)?.deadLetter;
      if (deadLetter) maxReceiveCounts[queue] = deadLetter.maxReceiveCount;
    }
    const environment: Record<string, unknown> = {
      ...(fn.environment ?? {}),
      [SLUICE_ENV.functionKind]: FUNCTION_KIND.process,
      ...common(),
      [SLUICE_ENV.process]: process.name,
      [SLUICE_ENV.timeoutSeconds]: String(process.timeoutSeconds),
      [SLUICE_ENV.maxReceiveCounts]: JSON.stringify(maxReceiveCounts),
      ...(settings.trackRunning !== undefined ? { [SLUICE_ENV.trackRunning]: String(settings.trackRunning) } : {}),
      ...(process.backoff && !isDefaultBackoff(process.backoff) ? { [SLUICE_ENV.retryBackoff]: JSON.stringify(process.backoff) } : {}),
    };
    if (declared.taskQueue) {
      environment[SLUICE_ENV.taskQueueName] = declared.taskQueue.name;
      environment[SLUICE_ENV.taskQueueUrl] = sized({ Ref: declared.taskQueue.logicalId }, queueUrlEstimate.length + declared.taskQueue.name.length);
    }
    fn.environment = environment;
    fn.package = withPattern(fn.package, DEPLOYMENT_CATALOG_FILE);

    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [tableArn] },
    ];
    if (consumedArns.length > 0) {
      statements.push({
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        Resource: uniqueResources(consumedArns),
      });
    }
    statements.push(kvStatement, eventsPublishStatement, eventsReadStatement, ...triggerParts.processStatements);
    statements.push(...connectionStatements(manifest.connections.filter((connection) => process.connections.includes(connection.name))));
    const destination = failures.statements.get(process.name);
    if (destination) statements.push(destination);
    statements.push(...lineageStatements);
    roles.assign(process.name, fn, deployedName, statements, true, add);
    functions[process.name] = fn;
  }

  const queueUrlPrefix = sized({ 'Fn::Sub': 'https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/' }, queueUrlEstimate.length);
  const platformName = `${service}-${stage}-${PLATFORM_FUNCTION}`;
  const platform: FunctionConfig = {
    name: platformName,
    handler: settings.platformHandler,
    timeout: PLATFORM_TIMEOUT_SECONDS,
    description: 'Sluice platform API',
    sluice: false,
    environment: {
      [SLUICE_ENV.functionKind]: FUNCTION_KIND.platform,
      ...common(),
      [SLUICE_ENV.queueUrlPrefix]: queueUrlPrefix,
      ...triggerParts.platformEnvironment,
      // Async payloads are checked against JSON Schemas written at package time, in a bundled file
      // (the 4 KB environment could not hold them).
      ...(acceptsAsyncSubmissions(manifest) ? { [SLUICE_ENV.inputSchemas]: INPUT_SCHEMAS_FILE } : {}),
    },
    package: { patterns: [DEPLOYMENT_CATALOG_FILE, ...(acceptsAsyncSubmissions(manifest) ? [INPUT_SCHEMAS_FILE] : [])] },
    events: AWS_PLATFORM_ROUTES.map((route) => ({
      httpApi: { method: route.method, path: route.path, ...(route.public ? {} : { authorizer: { type: 'aws_iam' } }) },
    })),
  };
  const taskQueueArns = expanded.processes.flatMap((process) =>
    process.taskQueue ? [{ 'Fn::GetAtt': [process.taskQueue.logicalId, 'Arn'] }] : [],
  );
  const platformStatements: PolicyStatement[] = [
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], Resource: [tableArn, indexArn] },
  ];
  if (taskQueueArns.length > 0) platformStatements.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: taskQueueArns });
  // Reading published events (the platform's event and lineage routes).
  platformStatements.push(kvStatement, eventsReadStatement, ...triggerParts.platformStatements);
  roles.assign(PLATFORM_FUNCTION, platform, platformName, platformStatements, false, add);
  functions[PLATFORM_FUNCTION] = platform;

  const dispatcher = eventDispatcherParts({
    service,
    stage,
    manifest,
    expandedProcesses: expanded.processes,
    handler: settings.eventDispatcherHandler,
    commonEnvironment: common(),
    queueUrlPrefix,
    taskTableArn: tableArn,
  });
  if (dispatcher) {
    for (const [logicalId, resource] of Object.entries(dispatcher.resources)) add(logicalId, resource);
    roles.assign(EVENT_DISPATCHER_FUNCTION, dispatcher.fn, dispatcher.functionName, [...dispatcher.statements, ...triggerParts.dispatcherStatements], false, add);
    const ownRole = typeof dispatcher.fn.role === 'string' && dispatcher.fn.role === SLUICE_LOGICAL_IDS.role(EVENT_DISPATCHER_FUNCTION) ? dispatcher.fn.role : undefined;
    add(SLUICE_LOGICAL_IDS.eventDispatchMapping, dispatcher.mapping(ownRole));
    functions[EVENT_DISPATCHER_FUNCTION] = dispatcher.fn;
  }

  // The router reads its runtime routes from the trigger registry's table (added with triggerParts above).
  const triggersName = triggerTableName(service, stage);
  const router = routerFunctionParts(
    {
      service,
      stage,
      manifest,
      expandedProcesses: expanded.processes,
      handler: settings.routerHandler,
      enabled: settings.runtimeRoutes,
      functionNames: processFunctionNames,
      commonEnvironment: common(),
      queueUrlPrefix,
      inputSchemas: acceptsAsyncSubmissions(manifest),
      taskTableArn: tableArn,
      triggerTable: { ref: sized({ Ref: SLUICE_LOGICAL_IDS.triggerTable }, triggersName.length), arn: { 'Fn::GetAtt': [SLUICE_LOGICAL_IDS.triggerTable, 'Arn'] } },
    },
    warnings,
  );
  if (router) {
    roles.assign(ROUTER_FUNCTION, router.fn, router.functionName, router.statements, false, add);
    functions[ROUTER_FUNCTION] = router.fn;
  }

  for (const [logicalId, resource] of Object.entries(failures.resources)) add(logicalId, resource);
  for (const [name, fn] of Object.entries(functions)) {
    assertEnvironmentSize(name, { ...(config.provider.environment ?? {}), ...(fn.environment ?? {}) }, knownSizes);
  }
  if (settings.retainData) {
    const retained = [
      SLUICE_LOGICAL_IDS.taskTable,
      SLUICE_LOGICAL_IDS.kvTable,
      SLUICE_LOGICAL_IDS.eventsTable,
      SLUICE_LOGICAL_IDS.triggerTable,
      ...(dispatcher ? [SLUICE_LOGICAL_IDS.eventDispatchFailures] : []),
      ...(failures.resources[FAILURE_LOGICAL_IDS.asyncFailures] ? [FAILURE_LOGICAL_IDS.asyncFailures] : []),
      ...expanded.processes.flatMap((process) => (process.taskQueue ? [process.taskQueue.deadLetterLogicalId] : []))];
    for (const logicalId of retained) resources[logicalId] = retainedResource(resources[logicalId]!);
  }
  return { functions, resources, warnings };
}

/**
 * A data resource kept when the stack is deleted or the resource replaced
 * (task history, key-value entries, dead letters): `DeletionPolicy` and
 * `UpdateReplacePolicy` Retain, and DynamoDB's deletion protection (which
 * also refuses a `DeleteTable` from the console or the CLI). To really delete
 * one: set `custom.sluice.retainData: false` and deploy (this lifts the
 * protection and the policies), then delete the stack — or delete the
 * retained resources by hand afterwards.
 */
function retainedResource(resource: CloudFormationResource): CloudFormationResource {
  const properties = resource.Type === 'AWS::DynamoDB::Table' ? { ...resource.Properties, DeletionProtectionEnabled: true } : resource.Properties;
  return { ...resource, ...(properties ? { Properties: properties } : {}), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
}

/**
 * `sqs` events get `ReportBatchItemFailures`; schedules (and scheduled
 * eventBridge events) become one `schedule` event per expression with an
 * input transformer; `dataEvent` subscriptions leave (the event dispatcher
 * serves them). Collects the ARNs of consumed queues.
 */
function rewriteEvents(events: readonly unknown[], process: ProcessManifest, consumedArns: unknown[], onScheduler: ScheduleManifest[]): unknown[] {
  const out: unknown[] = [];
  let scheduleIndex = 0;
  for (const event of events) {
    if (!isPlainObject(event)) {
      out.push(event);
      continue;
    }
    // Sluice's own trigger: the catalog carries it to the event dispatcher; Lambda has no such event.
    if ('dataEvent' in event) continue;
    if ('sqs' in event) {
      const sqs: Record<string, unknown> = typeof event.sqs === 'string' ? { arn: event.sqs } : { ...(event.sqs as Record<string, unknown>) };
      sqs.functionResponseType = 'ReportBatchItemFailures';
      consumedArns.push(sqs.arn);
      out.push({ sqs });
      continue;
    }
    const raw = 'schedule' in event ? event.schedule : 'eventBridge' in event ? event.eventBridge : undefined;
    if (raw === undefined) {
      out.push(event);
      continue;
    }
    const options = isPlainObject(raw) ? raw : {};
    const count = 'schedule' in event && Array.isArray(options.rate) ? options.rate.length : 1;
    for (let i = 0; i < count; i += 1) {
      const schedule = process.schedules[scheduleIndex] as ScheduleManifest;
      scheduleIndex += 1;
      if (runsOnScheduler(schedule)) {
        onScheduler.push(schedule);
        continue;
      }
      out.push({
        schedule: {
          rate: [schedule.expression],
          enabled: schedule.enabled,
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
          inputTransformer: { inputTemplate: scheduleInputTemplate(schedule, process.name), inputPathsMap: { time: '$.time' } },
        },
      });
    }
  }
  return out;
}

/**
 * Whether a schedule is deployed as an EventBridge Scheduler schedule: a
 * time zone or an `at()` (EventBridge rules have neither; Scheduler has both
 * natively, with the daylight-saving rules the embedded runtime follows).
 */
export function runsOnScheduler(schedule: ScheduleManifest): boolean {
  return schedule.timezone !== undefined || schedule.expression.trim().startsWith('at(');
}

/**
 * One `AWS::Scheduler::Schedule` per schedule that {@link runsOnScheduler},
 * targeting the function with the input the handler reads (the firing's
 * time from `<aws.scheduler.scheduled-time>`), no flexible window (fire at
 * the minute, as a rule does), and one role per function that Scheduler
 * assumes (only from this account) with `lambda:InvokeFunction` on exactly
 * this function. Names are left to CloudFormation: Scheduler names are unique
 * per schedule group, and the default group is shared by every stack and
 * stage (the rule name travels in the input).
 */
function addSchedulerSchedules(functionName: string, schedules: readonly ScheduleManifest[], add: (logicalId: string, resource: CloudFormationResource) => void): void {
  if (schedules.length === 0) return;
  const functionArn = { 'Fn::GetAtt': [`${normalizedFunctionName(functionName)}LambdaFunction`, 'Arn'] };
  const roleId = SLUICE_LOGICAL_IDS.schedulerRole(functionName);
  add(roleId, {
    Type: 'AWS::IAM::Role',
    Properties: {
      // Only schedules of this account (static schedules live in the default group, shared by every stack).
      AssumeRolePolicyDocument: schedulerTrustPolicy(),
      Policies: [
        {
          PolicyName: 'invoke-function',
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [functionArn] }] },
        },
      ],
    },
  });
  schedules.forEach((schedule, index) => {
    add(SLUICE_LOGICAL_IDS.schedulerSchedule(functionName, index + 1), {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Description: `Sluice schedule '${schedule.rule}' of ${functionName}`,
        ScheduleExpression: schedule.expression,
        ...(schedule.timezone !== undefined ? { ScheduleExpressionTimezone: schedule.timezone } : {}),
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: schedule.enabled ? 'ENABLED' : 'DISABLED',
        Target: {
          Arn: functionArn,
          RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
          Input: scheduleInputTemplate(schedule, functionName, SCHEDULER_TIME),
        },
      },
    });
  });
}

/**
 * The firing event of a static schedule (see `scheduleFiringTemplate`), where
 * EventBridge replaces `<time>` with the event time or, for a Scheduler
 * schedule, `time` is `"<aws.scheduler.scheduled-time>"`.
 */
export function scheduleInputTemplate(schedule: ScheduleManifest, functionName: string, time = '<time>'): string {
  const template = scheduleFiringTemplate(schedule, time);
  if (template === undefined) {
    throw new ConfigError(
      `functions.${functionName}: the input of schedule '${schedule.rule}' is too large: EventBridge allows ${SCHEDULE_INPUT_LIMIT} characters for the input template`,
    );
  }
  return template;
}

/** How roles are assigned, given what the provider declares. */
function roleContext(config: ExpandedDeclarations['config'], warnings: string[]) {
  const provider = config.provider;
  const iam = isPlainObject(provider.iam) ? provider.iam : {};
  const providerRole = provider.role ?? iam.role;
  // A string, or a CloudFormation reference, names an existing role to use for every function.
  const existingRole =
    typeof providerRole === 'string' || (isPlainObject(providerRole) && Object.keys(providerRole).some((key) => key === 'Ref' || key.startsWith('Fn::')));
  const roleSettings = isPlainObject(iam.role) && !existingRole ? iam.role : {};
  const userStatements = asArray(roleSettings.statements ?? provider.iamRoleStatements);
  const userManagedPolicies = asArray(roleSettings.managedPolicies ?? provider.iamManagedPolicies);
  const permissionsBoundary = roleSettings.permissionsBoundary ?? roleSettings.permissionBoundary ?? provider.rolePermissionsBoundary;
  const tracing = isPlainObject(provider.tracing) && Boolean(provider.tracing.lambda);
  let warnedProviderRole = false;

  return {
    /**
     * Gives `fn` its own role with `statements` (plus log access, and for
     * processes the user's provider-level statements), unless a role is
     * already chosen by the user, which is kept (with a warning: it must
     * grant what Sluice needs).
     */
    assign(
      key: string,
      fn: FunctionConfig,
      deployedName: string,
      statements: PolicyStatement[],
      isProcess: boolean,
      add: (logicalId: string, resource: CloudFormationResource) => void,
    ): void {
      // Every function passes here: its name is checked at package time, not refused by the deploy.
      if (deployedName.length > MAX_LAMBDA_NAME) {
        const fix = isProcess ? `shorten the service name, the stage or the function key, or set functions.${key}.name` : 'shorten the service name or the stage';
        throw new ConfigError(`functions.${key}: its Lambda function name '${deployedName}' is ${deployedName.length} characters; Lambda allows ${MAX_LAMBDA_NAME} (${fix})`);
      }
      const needs = statements.map((statement) => statement.Action.join(', ')).join('; ');
      if (fn.role !== undefined) {
        warnings.push(`functions.${key} sets its own role: Sluice leaves it alone; it must allow ${needs}`);
        return;
      }
      if (existingRole) {
        if (!warnedProviderRole) {
          warnings.push(`provider sets an existing role for all functions: Sluice leaves it alone; it must allow what each Sluice function needs (e.g. ${needs})`);
          warnedProviderRole = true;
        }
        return;
      }
      const all: PolicyStatement[] = [];
      if (!fn.disableLogs) {
        all.push({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroupArn(deployedName)] });
      }
      all.push(...statements);
      const fnTracing = fn.tracing === undefined ? tracing : Boolean(fn.tracing);
      if (fnTracing) {
        // X-Ray has no resource-level permissions: '*' is the only possible resource.
        all.push({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: ['*'] });
      }
      // The user's provider-level grants are what their process code needs (its sources and sinks).
      if (isProcess) all.push(...(userStatements as PolicyStatement[]));
      const managed = [...(isProcess ? userManagedPolicies : [])];
      if (fn.vpc !== undefined || provider.vpc !== undefined) managed.push(VPC_ACCESS_POLICY_ARN);
      const logicalId = SLUICE_LOGICAL_IDS.role(key);
      add(logicalId, lambdaRole({ statements: all, managedPolicyArns: managed, permissionsBoundary }));
      fn.role = logicalId;
    },
  };
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Lambda limits a function's environment (names + values) to 4 KB; fail at package time, not at deploy. */
function assertEnvironmentSize(name: string, environment: Record<string, unknown>, knownSizes: WeakMap<object, number>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(key);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (typeof value === 'object' && value !== null) bytes += knownSizes.get(value) ?? UNKNOWN_VALUE_BYTES;
    else bytes += String(value).length;
  }
  if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
    throw new ConfigError(`functions.${name}: its environment variables would take about ${bytes} bytes, over Lambda's limit of ${LAMBDA_ENV_LIMIT_BYTES} bytes`);
  }
}

/**
 * Whether any process takes `POST /sluice/tasks` (has a task queue): only then does the platform
 * function need the input JSON Schemas, and the plugin load process code at package time to write them.
 */
export function acceptsAsyncSubmissions(manifest: Pick<ServiceManifest, 'processes'>): boolean {
  return manifest.processes.some((p) => p.taskQueue !== undefined);
}

/** A function's `package` with `pattern` added to its patterns (serverless-esbuild copies matching files into the bundle). */
function withPattern(existing: unknown, pattern: string): Record<string, unknown> {
  const base = isPlainObject(existing) ? { ...existing } : {};
  const patterns = Array.isArray(base.patterns) ? base.patterns : [];
  return { ...base, patterns: [...patterns, pattern] };
}

function isDefaultBackoff(backoff: BackoffPolicy): boolean {
  return (Object.keys(DEFAULT_BACKOFF) as Array<keyof BackoffPolicy>).every((key) => backoff[key] === DEFAULT_BACKOFF[key]);
}
