/**
 * The packaged service's data resources on the emulators (DynamoDB Local and
 * fauxqs, from `startAwsEmulators()` in a process of their own), and each
 * function's environment as deployed, its CloudFormation values resolved to
 * those resources (as the packaging test does).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueSpec } from '../../../lib/core/ports/MessageQueue.js';
import { emulatorEnvironment, type Template } from '../../../test/aws/packaging/packagedService.js';
import type { AwsEmulatorEndpoints } from '../../../test/setup/awsEmulators.js';
import { declareQueues } from '../../../test/setup/awsResources.js';
import type { BenchContext } from '../BenchModule.js';
import type { ManagedChild } from '../ChildProcesses.js';

export interface EmulatedStack {
  endpoints: AwsEmulatorEndpoints;
  tableName: string;
  /** Queue name -> URL (as fauxqs returned it). */
  queueUrls: Record<string, string>;
  /** Queue name -> ARN. */
  queueArns: Record<string, string>;
  /** What `SLUICE_QUEUE_URL_PREFIX` resolves to here. */
  queueUrlPrefix: string;
  /** Uncounted clients for the benchmark's own requests. */
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  newDynamoClient(): DynamoDBClient;
  newSqsClient(options?: { useQueueUrlAsEndpoint?: boolean }): SQSClient;
  /** Empties every queue (PurgeQueue). */
  purgeQueues(): Promise<void>;
  stop(): Promise<void>;
}

const getAtt = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

/** The task table's name in the template. */
export function taskTableNameOf(template: Template): string {
  const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
  if (tables.length !== 1) throw new Error(`expected one DynamoDB table in the template, found ${tables.length}`);
  return tables[0]!.Properties.TableName as string;
}

/** The template's queues, as the emulators should declare them. */
function queueSpecsOf(template: Template): QueueSpec[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::SQS::Queue')
    .map((q) => ({
      name: q.Properties.QueueName as string,
      visibilityTimeoutSeconds: q.Properties.VisibilityTimeout ?? 30,
      messageRetentionSeconds: q.Properties.MessageRetentionPeriod ?? 345_600,
      ...(q.Properties.RedrivePolicy
        ? {
            deadLetter: {
              queue: template.Resources[getAtt(q.Properties.RedrivePolicy.deadLetterTargetArn)!]!.Properties.QueueName as string,
              maxReceiveCount: q.Properties.RedrivePolicy.maxReceiveCount as number,
            },
          }
        : {}),
    }));
}

/**
 * Starts the emulators in a child of the runner (`bench/servers/awsEmulatorsServer.ts`,
 * which creates the task table), then declares the template's queues.
 */
export async function startEmulatedStack(ctx: BenchContext, template: Template): Promise<EmulatedStack> {
  const tableName = taskTableNameOf(template);
  const child: ManagedChild = ctx.children.start({
    name: 'AWS emulators (DynamoDB Local, fauxqs)',
    cwd: ctx.repoRoot,
    nodeArgs: ['--import', 'tsx', 'bench/servers/awsEmulatorsServer.ts', '--table', tableName],
  });
  let endpoints: AwsEmulatorEndpoints;
  try {
    endpoints = JSON.parse((await child.waitForOutput(/^READY (.+)$/m, 180_000))[1]!) as AwsEmulatorEndpoints;
  } catch (error) {
    await ctx.children.stop(child, 20_000);
    throw error;
  }
  const { region, credentials } = endpoints;
  const newDynamoClient = () => new DynamoDBClient({ endpoint: endpoints.dynamodbEndpoint, region, credentials });
  const newSqsClient = (options: { useQueueUrlAsEndpoint?: boolean } = {}) => new SQSClient({ endpoint: endpoints.sqsEndpoint, region, credentials, ...options });
  const dynamo = newDynamoClient();
  const sqs = newSqsClient();
  try {
    const queueUrls = await declareQueues(sqs, queueSpecsOf(template));
    const queueArns: Record<string, string> = {};
    for (const [name, url] of Object.entries(queueUrls)) {
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
      if (!arn) throw new Error(`no ARN for the queue ${name}`);
      queueArns[name] = arn;
    }
    const [name, url] = Object.entries(queueUrls)[0] ?? [];
    if (!name || !url) throw new Error('the template declares no queue');
    // fauxqs finds queues by the exact URL it returned: the prefix is that URL without the name.
    const queueUrlPrefix = url.slice(0, url.length - encodeURIComponent(name).length);
    return {
      endpoints,
      tableName,
      queueUrls,
      queueArns,
      queueUrlPrefix,
      dynamo,
      sqs,
      newDynamoClient,
      newSqsClient,
      async purgeQueues() {
        await Promise.all(Object.values(queueUrls).map((QueueUrl) => sqs.send(new PurgeQueueCommand({ QueueUrl }))));
      },
      async stop() {
        dynamo.destroy();
        sqs.destroy();
        await ctx.children.stop(child, 20_000);
      },
    };
  } catch (error) {
    dynamo.destroy();
    sqs.destroy();
    await ctx.children.stop(child, 20_000);
    throw error;
  }
}

/**
 * A function's environment as deployed (the template's variables, `Ref`s to
 * the table and queues resolved to the emulators' names and URLs), plus what
 * points the SDK at the emulators. No Lambda runtime variables, like the
 * packaging test.
 */
export function functionEnvironment(stack: EmulatedStack, template: Template, variables: Record<string, unknown>): Record<string, string> {
  return emulatorEnvironment(stack.endpoints, template, variables, stack);
}
