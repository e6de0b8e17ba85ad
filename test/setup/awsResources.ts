/**
 * Creates the AWS resources tests and benchmarks need on the emulators, from
 * the same definitions that are deployed, through the SDK.
 */
import { triggerTableProperties } from '../../lib/aws/triggerTable.js';
import {
  CreateTableCommand,
  DeleteTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type BillingMode,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type SSESpecification,
  type StreamSpecification,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueSpec } from '../../lib/core/ports/MessageQueue.js';
import { eventTableProperties } from '../../lib/aws/eventTable.js';
import { kvTableProperties } from '../../lib/aws/kvTable.js';
import { taskTableProperties } from '../../lib/aws/taskTable.js';

export interface CreateTaskTableOptions {
  /**
   * Enable TTL as deployed. Default true. Off only for tests that need an
   * expired item to stay put (DynamoDB Local deletes expired items within seconds).
   */
  timeToLive?: boolean;
}

/**
 * Creates the task table from `taskTableProperties()` (the CloudFormation
 * properties), so it equals the deployed one: CreateTable, then
 * UpdateTimeToLive. Point-in-time recovery is a backup setting with no effect
 * on behaviour and is not applied. An unknown property fails loudly, so the
 * definition and this translation cannot drift apart silently.
 */
export async function createTaskTable(client: DynamoDBClient, tableName: string, options: CreateTaskTableOptions = {}): Promise<void> {
  await createTableAsDeployed(client, tableName, taskTableProperties(), options);
}

/**
 * CreateTable from a table's CloudFormation `Properties`, then
 * UpdateTimeToLive (unless `timeToLive: false`). Point-in-time recovery is a
 * backup setting with no effect on behaviour and is not applied; any other
 * property this translation does not know fails loudly.
 */
async function createTableAsDeployed(client: DynamoDBClient, tableName: string, properties: Record<string, unknown>, options: CreateTaskTableOptions): Promise<void> {
  const { BillingMode: billing, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, SSESpecification: sse, StreamSpecification: stream, TimeToLiveSpecification, PointInTimeRecoverySpecification: _pitr, ...rest } = properties;
  if (Object.keys(rest).length > 0) throw new Error(`creating ${tableName}: unknown table properties ${Object.keys(rest).join(', ')}`);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: billing as BillingMode,
      AttributeDefinitions: AttributeDefinitions as AttributeDefinition[],
      KeySchema: KeySchema as KeySchemaElement[],
      ...(GlobalSecondaryIndexes !== undefined ? { GlobalSecondaryIndexes: GlobalSecondaryIndexes as GlobalSecondaryIndex[] } : {}),
      SSESpecification: sse as SSESpecification,
      ...(stream !== undefined ? { StreamSpecification: { StreamEnabled: true, ...(stream as Omit<StreamSpecification, 'StreamEnabled'>) } } : {}),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
  const ttl = TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
  if (ttl && (options.timeToLive ?? true)) {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }));
  }
}

export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
}

/**
 * Creates queues as declared (visibility timeout, retention, redrive to a
 * dead-letter queue). Dead-letter queues are created first; a DLQ not in
 * `specs` must exist already. Returns name -> URL.
 */
export async function declareQueues(client: SQSClient, specs: readonly QueueSpec[]): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  const ordered = [...specs].sort((a, b) => Number(a.deadLetter !== undefined) - Number(b.deadLetter !== undefined));
  for (const spec of ordered) {
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(spec.messageRetentionSeconds),
    };
    if (spec.deadLetter) {
      const dlqUrl = urls[spec.deadLetter.queue] ?? (await client.send(new GetQueueUrlCommand({ QueueName: spec.deadLetter.queue }))).QueueUrl;
      const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
      if (!arn) throw new Error(`no ARN for dead-letter queue ${spec.deadLetter.queue}`);
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: spec.deadLetter.maxReceiveCount });
    }
    const out = await client.send(new CreateQueueCommand({ QueueName: spec.name, Attributes: attributes }));
    if (!out.QueueUrl) throw new Error(`CreateQueue ${spec.name} returned no URL`);
    urls[spec.name] = out.QueueUrl;
  }
  return urls;
}

export async function deleteQueues(client: SQSClient, urls: Iterable<string>): Promise<void> {
  await Promise.all([...urls].map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined)));
}

/**
 * Creates the key-value table from `kvTableProperties()`, as deployed
 * (CreateTable, then UpdateTimeToLive unless `timeToLive: false`, for tests
 * that need an expired item to stay put). An unknown property fails loudly.
 */
export async function createKvTable(client: DynamoDBClient, tableName: string, options: CreateTaskTableOptions = {}): Promise<void> {
  await createTableAsDeployed(client, tableName, kvTableProperties(), options);
}

/** Creates the trigger-registry table from `triggerTableProperties()`, as deployed. */
export async function createTriggerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTableAsDeployed(client, tableName, triggerTableProperties(), {});
}

/**
 * Creates the events table from `eventTableProperties()`, as deployed (its
 * indexes, its stream, TTL unless `timeToLive: false`).
 */
export async function createEventTable(client: DynamoDBClient, tableName: string, options: CreateTaskTableOptions = {}): Promise<void> {
  await createTableAsDeployed(client, tableName, eventTableProperties(), options);
}
