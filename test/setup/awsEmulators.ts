/**
 * The AWS emulators for a test run (or a benchmark): DynamoDB Local and
 * fauxqs (SQS), both reachable on 127.0.0.1 only.
 *
 * As a vitest `globalSetup` it starts them once per run and provides their
 * endpoints to every test file:
 *
 * @example
 * ```ts
 * import { inject } from 'vitest';
 * const { dynamodbEndpoint, sqsEndpoint, region, credentials } = inject('awsEmulators');
 * ```
 *
 * DynamoDB Local starts in the background (about 4 s of JVM start-up, plus a
 * one-time 56 MB fetch): tests that do not use it do not wait for it, and a
 * request sent before it is ready simply waits.
 *
 * Benchmarks call {@link startAwsEmulators} / `stop()` directly.
 */
import type { TestProject } from 'vitest/node';
import { buildApp } from 'fauxqs';
import type { AddressInfo } from 'node:net';
import { startDynamoDbLocal, type DynamoDbLocalOptions } from './dynamoDbLocal.js';

/** What tests get through `inject('awsEmulators')`. */
export interface AwsEmulatorEndpoints {
  region: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** Dummy credentials: the SDK insists on some; DynamoDB Local accepts only letters and digits in the key id. */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    awsEmulators: AwsEmulatorEndpoints;
  }
}

export interface AwsEmulators extends AwsEmulatorEndpoints {
  /** Settles when DynamoDB Local is ready (rejects with the reason it is not). */
  dynamodbReady: Promise<void>;
  stop(): Promise<void>;
}

export interface StartAwsEmulatorsOptions extends DynamoDbLocalOptions {
  /** Resolve only once DynamoDB Local is ready. Default true (what a benchmark wants). */
  waitForDynamoDb?: boolean;
  /** Default `us-east-1`. */
  region?: string;
}

export async function startAwsEmulators(options: StartAwsEmulatorsOptions = {}): Promise<AwsEmulators> {
  const region = options.region ?? 'us-east-1';
  const dynamo = await startDynamoDbLocal(options);
  // fauxqs's own start helper and CLI bind 0.0.0.0; listen ourselves on 127.0.0.1.
  const sqs = buildApp({ logger: false, defaultRegion: region });
  try {
    await sqs.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  const { port } = sqs.server.address() as AddressInfo;
  const emulators: AwsEmulators = {
    region,
    dynamodbEndpoint: dynamo.endpoint,
    sqsEndpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'sluicelocal', secretAccessKey: 'sluicelocal' },
    dynamodbReady: dynamo.ready,
    async stop() {
      await Promise.allSettled([sqs.close(), dynamo.stop()]);
    },
  };
  if (options.waitForDynamoDb ?? true) {
    try {
      await dynamo.ready;
    } catch (error) {
      await emulators.stop();
      throw error;
    }
  }
  return emulators;
}

/** vitest `globalSetup`: start once, provide the endpoints, stop after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulators = await startAwsEmulators({ waitForDynamoDb: false });
  const { dynamodbReady: _ready, stop: _stop, ...endpoints } = emulators;
  project.provide('awsEmulators', endpoints);
  return () => emulators.stop();
}
