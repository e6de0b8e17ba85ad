/**
 * A miniature deployment on the emulators for the Lambda handler tests: the
 * task table (from `taskTableProperties()`), one task queue + DLQ per
 * process, and the handlers' configuration read from the very environment
 * variables the plugin sets (`readAwsConfig`), with their own SDK clients
 * whose requests are counted.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { writeTestCatalog } from '../../helpers/deploymentCatalog.js';
import { readAwsConfig, type AwsEventDispatcherConfig, type AwsPlatformConfig, type AwsProcessConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { createEventDispatcherHandler } from '../../../lib/aws/lambda/eventDispatcherHandler.js';
import { queueUrlFromGetQueueUrl } from '../../../lib/aws/queueUrlResolvers.js';
import { subscriptionId, type EventSubscription } from '../../../lib/core/events/EventSubscription.js';
import { FUNCTION_KIND, SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import { DynamoTaskStore } from '../../../lib/aws/DynamoTaskStore.js';
import { createProcessHandler, type LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { createPlatformHandler } from '../../../lib/aws/lambda/platformHandler.js';
import { createRouterHandler } from '../../../lib/aws/lambda/routerHandler.js';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsRouterConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { createRequestCounter, type RequestCounter } from '../../../lib/aws/requestCounter.js';
import type { ProcessManifest, ScheduleManifest } from '../../../lib/config/ServiceManifest.js';
import { taskDeadLetterQueueName, taskQueueName } from '../../../lib/config/sluiceNames.js';
import type { ProcessDefinition } from '../../../lib/core/process/types.js';
import { createEventTable, createTaskTable, declareQueues, deleteQueues, deleteTable } from '../../setup/awsResources.js';
import { createDynamoClient, createSqsClient, uniqueName } from '../awsTestEnv.js';

export interface StackProcess {
  name: string;
  timeoutSeconds: number;
  schedules?: ScheduleManifest[];
  /** Its `dataEvent` subscriptions (needs `events` on the stack). */
  subscriptions?: Array<Omit<EventSubscription, 'id' | 'process'>>;
}

export interface TaskQueue {
  name: string;
  url: string;
  arn: string;
  dlqName: string;
  dlqUrl: string;
}

export interface LambdaStackOptions {
  processes: readonly StackProcess[];
  maxReceiveCount: number;
  /** Seconds; short, so that a failed record comes back quickly. */
  visibilityTimeoutSeconds: number;
  maxPayloadBytes?: number;
  /** Data events: an events table (its name in every function's environment) and the chain depth limit. */
  events?: { maxChainDepth: number };
}

export interface LambdaStack {
  service: string;
  stage: string;
  tableName: string;
  /** The test's own clients (not counted). */
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** The test's view of the table. */
  store: DynamoTaskStore;
  queues: Record<string, TaskQueue>;
  /** Counts the requests of every handler built by this stack. */
  counter: RequestCounter;
  processEnv(process: string, overrides?: Record<string, string>): Record<string, string>;
  processHandler(definition: ProcessDefinition, overrides?: Record<string, string>): LambdaHandler;
  platformHandler(overrides?: Record<string, string>): LambdaHandler;
  /** The router of runtime routes, reading the trigger table `triggerTable`, invoking process functions with `lambda`. */
  routerHandler(triggerTable: string, lambda: LambdaClient, overrides?: Record<string, string>): LambdaHandler;
  /** The events table (with `events`). */
  eventsTableName?: string;
  /** The event dispatcher, fed stream records by the test (with `events`). */
  eventDispatcherHandler(): LambdaHandler;
  /** One receive, as the event source mapping polls (all attributes). */
  receive(queueUrl: string, options?: { max?: number; waitSeconds?: number; visibilitySeconds?: number }): Promise<Message[]>;
  destroy(): Promise<void>;
}

export async function createLambdaStack(options: LambdaStackOptions): Promise<LambdaStack> {
  const dynamo = createDynamoClient();
  const sqs = createSqsClient();
  const service = uniqueName('svc');
  const stage = 'test';
  const tableName = uniqueName('lambda-tasks');
  const maxPayloadBytes = options.maxPayloadBytes ?? 4096;
  await createTaskTable(dynamo, tableName);
  const eventsTableName = options.events ? uniqueName('lambda-events') : undefined;
  if (eventsTableName) await createEventTable(dynamo, eventsTableName);

  const queues: Record<string, TaskQueue> = {};
  for (const p of options.processes) {
    const name = taskQueueName(service, stage, p.name);
    const dlqName = taskDeadLetterQueueName(service, stage, p.name);
    const urls = await declareQueues(sqs, [
      { name: dlqName, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 },
      {
        name,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        messageRetentionSeconds: 3600,
        deadLetter: { queue: dlqName, maxReceiveCount: options.maxReceiveCount },
      },
    ]);
    const url = urls[name]!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    if (!arn) throw new Error(`no ARN for ${name}`);
    queues[p.name] = { name, url, arn, dlqName, dlqUrl: urls[dlqName]! };
  }
  const anyQueue = Object.values(queues)[0];
  // fauxqs finds queues by the exact URL it returned: the prefix is that URL without the name.
  const queueUrlPrefix = anyQueue ? anyQueue.url.slice(0, anyQueue.url.length - encodeURIComponent(anyQueue.name).length) : 'http://127.0.0.1/000000000000/';

  const counter = createRequestCounter();
  const clients: Array<{ destroy(): void }> = [];
  const counted = <C extends DynamoDBClient | SQSClient>(client: C): C => {
    clients.push(client);
    return counter.attach(client);
  };
  const common = {
    [SLUICE_ENV.service]: service,
    [SLUICE_ENV.stage]: stage,
    [SLUICE_ENV.taskTable]: tableName,
    [SLUICE_ENV.retentionDays]: '1',
    [SLUICE_ENV.maxPayloadBytes]: String(maxPayloadBytes),
    ...(eventsTableName ? { [SLUICE_ENV.eventsTable]: eventsTableName } : {}),
  };
  const manifests: ProcessManifest[] = options.processes.map((p) => ({
    name: p.name,
    handler: { file: `/srv/functions/${p.name}.ts`, export: 'handler', declared: `functions/${p.name}.handler` },
    timeoutSeconds: p.timeoutSeconds,
    taskQueue: queues[p.name]!.name,
    http: [],
    queues: [{ queue: queues[p.name]!.name, batchSize: 10, maximumBatchingWindow: 0, enabled: true }],
    schedules: p.schedules ?? [],
    subscriptions: (p.subscriptions ?? []).map((filters) => ({ id: subscriptionId(p.name, filters), process: p.name, ...filters })),
    environment: {},
    connections: [],
  }));

  let catalogFile: string | undefined;
  const catalog = () => (catalogFile ??= writeDeploymentCatalogFor(manifests, options.events));
  const processEnv = (process: string, overrides: Record<string, string> = {}): Record<string, string> => {
    const declared = options.processes.find((p) => p.name === process);
    if (!declared) throw new Error(`process ${process} is not part of this stack`);
    const queue = queues[process]!;
    return {
      [SLUICE_ENV.functionKind]: FUNCTION_KIND.process,
      ...common,
      [SLUICE_ENV.process]: process,
      [SLUICE_ENV.timeoutSeconds]: String(declared.timeoutSeconds),
      [SLUICE_ENV.maxReceiveCounts]: JSON.stringify({ [queue.name]: options.maxReceiveCount }),
      [SLUICE_ENV.taskQueueName]: queue.name,
      [SLUICE_ENV.taskQueueUrl]: queue.url,
      ...(options.events ? { [SLUICE_ENV.catalog]: catalog() } : {}),
      ...overrides,
    };
  };

  return {
    service,
    stage,
    tableName,
    dynamo,
    sqs,
    store: new DynamoTaskStore({ client: dynamo, tableName, processes: options.processes.map((p) => p.name) }),
    queues,
    counter,
    processEnv,
    processHandler(definition, overrides) {
      const config = readAwsConfig(processEnv(definition.name!, overrides)) as AwsProcessConfig;
      return createProcessHandler(definition, { config, dynamo: counted(createDynamoClient()) });
    },
    platformHandler(overrides = {}) {
      const config = readAwsConfig({
        [SLUICE_ENV.functionKind]: FUNCTION_KIND.platform,
        ...common,
        [SLUICE_ENV.queueUrlPrefix]: queueUrlPrefix,
        [SLUICE_ENV.catalog]: options.events ? catalog() : writeTestCatalog({ processes: manifests }),
        ...overrides,
      }) as AwsPlatformConfig;
      return createPlatformHandler({ config, dynamo: counted(createDynamoClient()), sqs: counted(createSqsClient()) });
    },
    routerHandler(triggerTable, lambda, overrides = {}) {
      const config = readAwsConfig({
        [SLUICE_ENV.functionKind]: FUNCTION_KIND.router,
        ...common,
        [SLUICE_ENV.queueUrlPrefix]: queueUrlPrefix,
        // The router needs the catalog's trigger section (declared queues, authorizers, statics), as the plugin writes it.
        [SLUICE_ENV.catalog]: writeTestCatalog({ processes: manifests, service, stage, queues: [], authorizers: [] }),
        [SLUICE_ENV.triggerTable]: triggerTable,
        ...overrides,
      }) as AwsRouterConfig;
      return createRouterHandler({ config, dynamo: counted(createDynamoClient()), sqs: counted(createSqsClient()), lambda });
    },
    ...(eventsTableName ? { eventsTableName } : {}),
    eventDispatcherHandler() {
      if (!options.events) throw new Error('the stack has no events: pass `events`');
      const config = readAwsConfig({
        [SLUICE_ENV.functionKind]: FUNCTION_KIND.eventDispatcher,
        ...common,
        [SLUICE_ENV.queueUrlPrefix]: queueUrlPrefix,
        [SLUICE_ENV.catalog]: catalog(),
      }) as AwsEventDispatcherConfig;
      const sqsClient = counted(createSqsClient());
      // fauxqs finds queues by the URL it returned: look them up rather than build them from the prefix.
      return createEventDispatcherHandler({ config, dynamo: counted(createDynamoClient()), sqs: sqsClient, resolveQueueUrl: queueUrlFromGetQueueUrl(sqsClient) });
    },
    async receive(queueUrl, opts = {}) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: opts.max ?? 10,
          WaitTimeSeconds: opts.waitSeconds ?? 2,
          ...(opts.visibilitySeconds !== undefined ? { VisibilityTimeout: opts.visibilitySeconds } : {}),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      return out.Messages ?? [];
    },
    async destroy() {
      await deleteQueues(sqs, Object.values(queues).flatMap((q) => [q.url, q.dlqUrl]));
      await deleteTable(dynamo, tableName);
      if (eventsTableName) await deleteTable(dynamo, eventsTableName);
      for (const client of clients) client.destroy();
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

function writeDeploymentCatalogFor(processes: ProcessManifest[], events: { maxChainDepth: number } | undefined): string {
  return writeTestCatalog({ processes, ...(events ? { settings: { events } } : {}) });
}
