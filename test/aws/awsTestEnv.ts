import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import type { AwsEmulatorEndpoints } from '../setup/awsEmulators.js';

/** The emulator endpoints provided by the `test/setup/awsEmulators.ts` global setup. */
export function awsEndpoints(): AwsEmulatorEndpoints {
  const endpoints = inject('awsEmulators');
  if (!endpoints) throw new Error("no 'awsEmulators' provided: is test/setup/awsEmulators.ts in vitest.config.ts test.globalSetup?");
  return endpoints;
}

/** A DynamoDB client for DynamoDB Local (one per test file; destroy it in afterAll). */
export function createDynamoClient(): DynamoDBClient {
  const { dynamodbEndpoint, region, credentials } = awsEndpoints();
  return new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials });
}

/** An SQS client for fauxqs. */
export function createSqsClient(): SQSClient {
  const { sqsEndpoint, region, credentials } = awsEndpoints();
  return new SQSClient({ endpoint: sqsEndpoint, region, credentials });
}

let seq = 0;
/** A name no other test (or parallel run) uses: tables and queues are shared by the whole run. */
export function uniqueName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;
}
