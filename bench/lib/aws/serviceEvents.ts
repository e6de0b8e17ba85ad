/**
 * Realistic Lambda events for the functions of the demo shop
 * (test/fixtures/demo-shop/serverless.yml: customer-sync behind a route,
 * sales-rollup on a schedule and its task queue, clickstream on a queue of
 * its own, the platform API), built from the fixtures of the Lambda tests
 * (test/fixtures/aws-events) and from the packaged template itself.
 */
import { ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Template } from '../../../test/aws/packaging/packagedService.js';
import { httpApiEvent } from '../../../test/aws/lambda/lambdaEvents.js';

const getAtt = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

let sequence = 0;
/** Unique within a run, so that no two tasks share an id or an idempotency identity. */
export const nextId = () => `${Date.now().toString(36)}${(++sequence).toString(36)}`;

/** `POST /customers/{customerId}/sync`: the example's synchronous route. */
export function customerSyncEvent(n: number): Record<string, unknown> {
  const customerId = `C${(n % 99_999) + 1}`;
  return httpApiEvent({
    method: 'POST',
    path: `/customers/${customerId}/sync`,
    route: '/customers/{customerId}/sync',
    pathParameters: { customerId },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dryRun: true, fields: ['segment', 'lifetimeValue', 'churnRisk'] }),
  });
}

/** `POST /sluice/tasks` (IAM-authorized) submitting a sales-rollup backfill of one day. */
export function submitRollupEvent(n: number): Record<string, unknown> {
  const day = new Date(Date.UTC(2020, 0, 1) + (n % 3_000) * 86_400_000).toISOString().slice(0, 10);
  return httpApiEvent(
    { method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process: 'sales-rollup', payload: { day } }) },
    'platform',
  );
}

/** `GET /sluice/tasks/{taskId}`: a status poll. */
export function pollEvent(taskId: string): Record<string, unknown> {
  return httpApiEvent({ method: 'GET', path: `/sluice/tasks/${taskId}`, route: '/sluice/tasks/{taskId}', pathParameters: { taskId } }, 'platform');
}

/** A clickstream event as a producer sends it to the clickstream queue. */
export function clickstreamBody(): string {
  const id = nextId();
  return JSON.stringify({
    eventId: `evt-${id}`,
    userId: `user-${id.slice(-4)}`,
    url: `https://shop.example.com/p/sku-${id.slice(-3)}?utm_source=newsletter&utm_medium=email&utm_campaign=winter`,
    occurredAt: new Date().toISOString(),
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    referrer: 'https://mail.example.com/',
  });
}

/** What the schedule rule of `logicalId`'s function delivers for a firing at `time` (its input transformer, rendered). */
export function scheduleEventOf(template: Template, logicalId: string, time: string): Record<string, unknown> {
  const rule = Object.values(template.Resources).find((r) => r.Type === 'AWS::Events::Rule' && getAtt(r.Properties.Targets?.[0]?.Arn) === logicalId);
  if (!rule) throw new Error(`no schedule rule targets ${logicalId}`);
  return JSON.parse((rule.Properties.Targets[0].InputTransformer.InputTemplate as string).replace('<time>', JSON.stringify(time))) as Record<string, unknown>;
}

/** A distinct daily firing time per `n` (the task id derives from rule and time: a repeated time is a duplicate firing). */
export const firingTime = (n: number) => new Date(Date.UTC(2030, 0, 1, 2) + n * 86_400_000).toISOString().replace('.000Z', 'Z');

/** The queues whose event source mappings invoke `logicalId`'s function, by name. */
export function consumedQueuesOf(template: Template, logicalId: string): string[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && getAtt(r.Properties.FunctionName) === logicalId)
    .map((m) => template.Resources[getAtt(m.Properties.EventSourceArn)!]!.Properties.QueueName as string);
}

/** One receive as the event source mapping polls (all attributes), waiting for up to `count` messages. */
export async function receiveMessages(sqs: SQSClient, queueUrl: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  for (let attempt = 0; got.length < count && attempt < 10; attempt++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, count - got.length),
        WaitTimeSeconds: 2,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    got.push(...(out.Messages ?? []));
  }
  if (got.length < count) throw new Error(`received ${got.length} of ${count} messages from ${queueUrl}`);
  return got;
}

/** Sends `bodies` as a producer would (one SendMessage each). */
export async function sendMessages(sqs: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: { source: { DataType: 'String', StringValue: 'web' } } }));
  }
}
