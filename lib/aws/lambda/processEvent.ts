import * as z from 'zod';
import { MalformedInputError } from '../../core/errors.js';
import { issuesOf, summarizeIssues } from '../../core/validationIssues.js';
import { DEFAULT_OVERLAP, OVERLAP_POLICIES, type OverlapPolicy } from '../../core/schedule/scheduleOverlap.js';

/**
 * The three kinds of event a process function is invoked with, as Lambda
 * delivers them. Only the fields Sluice reads are declared; everything else
 * AWS adds (request context ids, authorizer data...) passes through unread.
 */

/** Optional, with `null` read as absent. */
function absent<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((value) => value ?? undefined);
}

/** API Gateway HTTP API, payload format 2.0 (header names arrive lower-case, cookies apart). */
export const httpApiEventSchema = z.object({
  version: z.literal('2.0'),
  /** `METHOD /path/{param}` of the matched route, or `$default`. */
  routeKey: z.string().min(1),
  rawPath: z.string().min(1),
  // API Gateway omits absent parts; emulators (serverless-offline) send null.
  // Both mean "none".
  cookies: absent(z.array(z.string())),
  headers: absent(z.record(z.string(), z.string())),
  /** Decoded; repeated keys already joined with `,` by API Gateway. */
  queryStringParameters: absent(z.record(z.string(), z.string())),
  pathParameters: absent(z.record(z.string(), z.string())),
  body: absent(z.string()),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({ http: z.object({ method: z.string().min(1) }), authorizer: z.record(z.string(), z.unknown()).optional() }),
});
export type HttpApiEvent = z.infer<typeof httpApiEventSchema>;

/** One record of an SQS event source mapping batch. */
export const sqsRecordSchema = z.object({
  messageId: z.string().min(1),
  /** Needed to delay a retry (`ChangeMessageVisibility`); Lambda always sends it. */
  receiptHandle: z.string().min(1).optional(),
  body: z.string(),
  attributes: z.object({
    ApproximateReceiveCount: z.string().regex(/^\d+$/),
    SentTimestamp: z.string().regex(/^\d+$/),
  }),
  messageAttributes: z.record(z.string(), z.object({ dataType: z.string(), stringValue: z.string().optional() })).default({}),
  eventSource: z.literal('aws:sqs'),
  eventSourceARN: z.string().regex(/^arn:[^:]+:sqs:[^:]*:[^:]*:[^:]+$/, 'is not an SQS queue ARN'),
});
export type SqsRecord = z.infer<typeof sqsRecordSchema>;

/**
 * What the Sluice plugin's input transformer (EventBridge rules) or Scheduler
 * input (schedules with a time zone or `at()`, time from
 * `<aws.scheduler.scheduled-time>`) makes of every schedule (see
 * `scheduleInputTemplate`). `overlap` is absent for the default, `skip`.
 */
const sluiceScheduleSchema = z.object({
  sluiceSchedule: z.object({
    rule: z.string().min(1).max(64),
    time: z.iso.datetime({ offset: true }),
    input: z.unknown().optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
  }),
});

/** EventBridge's own event for a scheduled rule without an input (not what the plugin deploys, but valid). */
const scheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.iso.datetime({ offset: true }),
  resources: z.array(z.string().regex(/^arn:[^:]+:events:[^:]*:[^:]*:rule\/.+$/, 'is not an EventBridge rule ARN')).min(1),
});

/** One firing of a schedule, whichever form it came in. */
export interface ScheduleFiring {
  rule: string;
  /** When EventBridge fired it, as it says (ISO-8601). */
  time: string;
  input: unknown;
  /** The rule's overlap policy. */
  overlap: OverlapPolicy;
}

export type ProcessEvent =
  | { kind: 'http'; event: HttpApiEvent }
  | { kind: 'sqs'; records: readonly unknown[] }
  | { kind: 'schedule'; firing: ScheduleFiring };

/**
 * Tells which trigger invoked the process function, and validates the
 * envelope of HTTP and schedule events. SQS records are validated one by one
 * later, so that one odd record fails alone instead of its whole batch.
 *
 * @throws {MalformedInputError} for any other event: an invocation Sluice
 *   did not wire (a test event from the console, a trigger added by hand)
 *   fails loudly rather than being half-understood.
 */
export function classifyProcessEvent(event: unknown): ProcessEvent {
  if (isObject(event)) {
    if (event.version === '2.0' && isObject(event.requestContext) && isObject(event.requestContext.http)) {
      return { kind: 'http', event: parse(httpApiEventSchema, event, 'API Gateway HTTP API (payload 2.0) event') };
    }
    if (Array.isArray(event.Records) && event.Records.length > 0 && event.Records.every((r) => isObject(r) && r.eventSource === 'aws:sqs')) {
      return { kind: 'sqs', records: event.Records };
    }
    if ('sluiceSchedule' in event) {
      const { sluiceSchedule } = parse(sluiceScheduleSchema, event, 'Sluice schedule event');
      const { rule, time, input, overlap = DEFAULT_OVERLAP } = sluiceSchedule;
      return { kind: 'schedule', firing: { rule, time, input, overlap } };
    }
    if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
      const scheduled = parse(scheduledEventSchema, event, 'EventBridge Scheduled Event');
      // arn:aws:events:<region>:<account>:rule/<name>; the last segment is the rule's name.
      const rule = scheduled.resources[0]!.split('/').at(-1)!;
      return { kind: 'schedule', firing: { rule, time: scheduled.time, input: undefined, overlap: DEFAULT_OVERLAP } };
    }
  }
  const shape = isObject(event) ? `an object with keys ${Object.keys(event).slice(0, 10).join(', ') || '(none)'}` : typeof event;
  throw new MalformedInputError(
    `unsupported Lambda event (${shape}): a Sluice process function handles API Gateway HTTP API (payload 2.0) requests, SQS batches and EventBridge schedules`,
  );
}

/** The queue name of an SQS ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new MalformedInputError(`malformed ${what}: ${summarizeIssues(issuesOf(parsed.error))}`, { cause: parsed.error });
  }
  return parsed.data;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
