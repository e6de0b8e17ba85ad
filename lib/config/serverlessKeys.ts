import type { KeyCatalog } from './knownKeys.js';

/**
 * The keys of `serverless.yml` maps that Sluice checks, split into the ones
 * Sluice reads and the ones the Serverless Framework (osls 4, AWS provider)
 * also accepts there. Taken from the framework's configuration schema
 * (`defineFunctionProperties` / `defineFunctionEvent` of the AWS plugins).
 */

/** A function's keys. The framework-only ones configure Lambda and work on AWS; the embedded runtime ignores them (and says so). */
export const FUNCTION_KEYS: KeyCatalog = {
  used: ['handler', 'runtime', 'timeout', 'reservedConcurrency', 'memorySize', 'environment', 'events', 'sluice'],
  framework: [
    'name', 'description', 'ephemeralStorageSize', 'architecture', 'layers', 'vpc', 'role', 'tags',
    'tracing', 'package', 'image', 'provisionedConcurrency', 'onError', 'destinations', 'maximumEventAge',
    'maximumRetryAttempts', 'kmsKeyArn', 'awsKmsKeyArn', 'condition', 'dependsOn', 'disableLogs', 'logs',
    'logRetentionInDays', 'logDataProtectionPolicy', 'fileSystemConfig', 'snapStart', 'runtimeManagement',
    'recursiveLoop', 'durableConfig', 'url', 'versionFunction', 'httpApi',
  ],
  refused: {
    // An EventBridge firing's retries are Lambda's asynchronous retries: fewer (or an event age
    // that drops them) would leave a failed firing's task `queued` on AWS while the embedded runtime retries it.
    maximumRetryAttempts: "schedule firings get Lambda's default 2 retries (3 attempts) on both runtimes",
    maximumEventAge: "schedule firings get Lambda's default 2 retries (3 attempts) within its default 6 hours, on both runtimes",
  },
};

/**
 * `provider` keys (osls 4's AWS provider schema, `defineProvider('aws')`).
 * The framework-only ones configure the deployment and are accepted
 * silently: most have no local meaning at all (deploymentBucket, stackTags).
 */
export const PROVIDER_KEYS: KeyCatalog = {
  used: ['name', 'stage', 'region', 'runtime', 'timeout', 'memorySize', 'environment', 'stackName'],
  framework: [
    'alb', 'apiGateway', 'apiName', 'architecture', 'cfnRole', 'cloudFront', 'deletionProtection', 'deploymentBucket',
    'deploymentPrefix', 'disableRollback', 'endpointType', 'httpApi', 'iam', 'iamManagedPolicies', 'iamRoleStatements',
    'ecr', 'kmsKeyArn', 'layers', 'logRetentionInDays', 'logDataProtectionPolicy', 'logs', 'notificationArns', 'profile',
    'role', 'rolePermissionsBoundary', 'rollbackConfiguration', 'runtimeManagement', 'deploymentMethod', 's3', 'stackParameters',
    'stackPolicy', 'stackTags', 'tags', 'tracing', 'vpc', 'vpcEndpointIds', 'versionFunctions', 'pruneFunctionVersions',
    'websocket', 'websocketsApiName', 'kinesis', 'websocketsApiRouteSelectionExpression', 'websocketsDescription',
    // Not a key users write: the AWS provider's `initialize` hook moves an object
    // `deploymentBucket` here, and it may run before the plugin's (which sees the result).
    'deploymentBucketObject',
  ],
};

/** Event types Sluice runs on both runtimes. */
export const SLUICE_EVENT_TYPES = ['httpApi', 'sqs', 'schedule', 'eventBridge', 'dataEvent'] as const;

/** Every event type of the framework's AWS provider (those Sluice does not run need `sluice: false`). */
export const FRAMEWORK_EVENT_TYPES = [
  ...SLUICE_EVENT_TYPES,
  'http', 'sns', 'stream', 'kafka', 'msk', 'activemq', 'rabbitmq', 'alb', 'alexaSkill', 'alexaSmartHome', 'iot',
  'iotFleetProvisioning', 'cloudwatchEvent', 'cloudwatchLog', 'cognitoUserPool', 'cloudFront', 'websocket', 's3',
] as const;

/** `- dataEvent: { label, source?, target? }`: Sluice's own event type (the plugin registers it with the framework's schema). */
export const DATA_EVENT_KEYS: KeyCatalog = {
  used: ['label', 'source', 'target'],
};

export const HTTP_API_EVENT_KEYS: KeyCatalog = {
  used: ['method', 'path', 'authorizer'],
};

export const SQS_EVENT_KEYS: KeyCatalog = {
  used: ['arn', 'batchSize', 'maximumBatchingWindow', 'enabled', 'functionResponseType', 'maximumConcurrency'],
  framework: ['filterPatterns'],
  unsupported: 'the embedded runtime cannot apply it, and on AWS filtered-out messages are deleted unprocessed',
};

export const SCHEDULE_EVENT_KEYS: KeyCatalog = {
  // `overlap` is Sluice's own (the plugin registers it with the framework's schema).
  used: ['rate', 'enabled', 'input', 'name', 'description', 'timezone', 'overlap'],
  framework: ['inputPath', 'inputTransformer', 'method', 'roleArn', 'groupName'],
  unsupported: 'Sluice deploys EventBridge rules (UTC) or, with a timezone or at(), EventBridge Scheduler schedules itself, with the declared input, on both runtimes',
};

export const EVENT_BRIDGE_EVENT_KEYS: KeyCatalog = {
  used: ['schedule', 'enabled', 'input', 'name', 'description', 'overlap'],
  framework: ['eventBus', 'pattern', 'inputPath', 'inputTransformer', 'retryPolicy', 'deadLetterQueueArn'],
  unsupported: 'only scheduled rules on the default bus, with the declared input and Lambda\'s default retries, run on both runtimes',
};
