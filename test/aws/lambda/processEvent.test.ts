/** Which trigger invoked a process function: the fixtures as AWS documents them. */
import { describe, expect, it } from 'vitest';
import { inboundMessageOf } from '../../../lib/aws/lambda/handleSqsBatch.js';
import { syncRequestOf } from '../../../lib/aws/lambda/handleHttpEvent.js';
import { httpPayloadOf as payloadOf } from '../../../lib/http/runSyncHttpTask.js';
import { classifyProcessEvent, sqsRecordSchema, type HttpApiEvent } from '../../../lib/aws/lambda/processEvent.js';
import { MalformedInputError } from '../../../lib/core/errors.js';
import { fixture } from './lambdaEvents.js';

describe('classifyProcessEvent', () => {
  it('reads an API Gateway HTTP API (2.0) event into the payload a process sees', async () => {
    const parsed = classifyProcessEvent(fixture('apigw-v2-process-route.json'));
    if (parsed.kind !== 'http') throw new Error(`classified as ${parsed.kind}`);
    const payload = await httpPayloadOf(parsed.event, 1024);
    expect(payload).toEqual({
      type: 'http',
      method: 'POST',
      path: '/customers/C42/sync',
      route: '/customers/{customerId}/sync',
      pathParameters: { customerId: 'C42' },
      query: { fields: 'segment,country', trace: '1' },
      headers: expect.objectContaining({
        cookie: 'session=abc123; theme=dark',
        'content-type': 'application/json',
        'x-custom-header': 'first,second',
        'user-agent': 'curl/8.5.0',
      }),
      body: { fields: ['segment'], dryRun: true },
    });
  });

  it('reads null query, path parameters, cookies and body (as serverless-offline sends them) as absent', async () => {
    const event = { ...fixture('apigw-v2-process-route.json'), queryStringParameters: null, pathParameters: null, cookies: null, body: null };
    const parsed = classifyProcessEvent(event);
    if (parsed.kind !== 'http') throw new Error(`classified as ${parsed.kind}`);
    const payload = await httpPayloadOf(parsed.event, 1024);
    expect(payload).toMatchObject({ query: {}, pathParameters: {}, body: undefined });
  });

  it('keeps the route key of a $default route as the route', async () => {
    const event = { ...fixture('apigw-v2-process-route.json'), routeKey: '$default' };
    const parsed = classifyProcessEvent(event) as { event: HttpApiEvent };
    expect((await httpPayloadOf(parsed.event, 1024)).route).toBe('$default');
  });

  it('reads an SQS record: queue from the ARN, string and number attributes, receive count and sent time', () => {
    const parsed = classifyProcessEvent(fixture('sqs-event.json'));
    if (parsed.kind !== 'sqs') throw new Error(`classified as ${parsed.kind}`);
    const [record] = parsed.records;
    expect(inboundMessageOf(sqsRecordSchema.parse(record))).toEqual({
      queue: 'sluice-examples-dev-clickstream-events',
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      body: expect.stringContaining('"eventId":"e-1"'),
      // The binary attribute is not part of the port.
      attributes: { source: 'web', schemaVersion: '2' },
      receiveCount: 1,
      sentAt: '2018-12-17T21:37:29.183Z',
    });
  });

  it('reads both forms of a schedule firing', () => {
    expect(classifyProcessEvent(fixture('sluice-schedule.json'))).toEqual({
      kind: 'schedule',
      firing: { rule: 'sales-rollup-schedule-1', time: '2026-11-27T02:00:00Z', input: { day: '2026-11-25' }, overlap: 'skip' },
    });
    // What the plugin's EventBridge Scheduler schedule sends once Scheduler has put in the scheduled time.
    expect(classifyProcessEvent({ sluiceSchedule: { rule: 'berlin-schedule-1', time: '2026-03-30T00:30:00Z', overlap: 'allow' } })).toEqual({
      kind: 'schedule',
      firing: { rule: 'berlin-schedule-1', time: '2026-03-30T00:30:00Z', input: undefined, overlap: 'allow' },
    });
    expect(classifyProcessEvent(fixture('eventbridge-scheduled-event.json'))).toEqual({
      kind: 'schedule',
      firing: { rule: 'nightly-rollup', time: '2026-11-27T02:00:00Z', input: undefined, overlap: 'skip' },
    });
  });

  it('rejects what no Sluice trigger sends', () => {
    const v1 = { version: '1.0', resource: '/x', path: '/x', httpMethod: 'GET', requestContext: { stage: 'dev' } };
    const mixed = { Records: [{ eventSource: 'aws:sqs' }, { eventSource: 'aws:kinesis' }] };
    const detail = { source: 'shop.orders', 'detail-type': 'OrderPlaced', time: '2026-11-27T02:00:00Z', resources: [], detail: {} };
    for (const event of [v1, mixed, detail, { Records: [] }, null, 'text', [1, 2]]) {
      expect(() => classifyProcessEvent(event), JSON.stringify(event)).toThrow(MalformedInputError);
    }
    const broken = { ...fixture('apigw-v2-process-route.json'), body: 42 };
    expect(() => classifyProcessEvent(broken)).toThrow(/malformed API Gateway HTTP API \(payload 2.0\) event: body/);
  });
});

/** The payload the shared sync pipeline builds from an event. */
async function httpPayloadOf(event: HttpApiEvent, maxBytes: number) {
  const request = syncRequestOf(event);
  return payloadOf(request, await request.readBody(), maxBytes);
}
