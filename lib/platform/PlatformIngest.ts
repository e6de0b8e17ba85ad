import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { MalformedInputError, PayloadTooLargeError, UnknownProcessError, ValidationError } from '../core/errors.js';
import { checkOutgoingMessage, parseDelaySeconds } from '../core/queue/sqsRules.js';
import type { SubmitRequest, SubmitResult, SubmittableProcess } from '../core/runner/submitTask.js';
import type { TaskRecord } from '../core/task/TaskRecord.js';
import { opensTooDeep, tooDeepError } from '../core/boundedJson.js';
import { validationErrorOf } from '../core/validationIssues.js';
import { jsonReply, type HttpReply } from '../http/httpResponses.js';
import { parseRequestBody } from '../http/parseRequestBody.js';
import type { PlatformProcess } from './PlatformProcess.js';
import type { QueueConsole } from './QueueConsole.js';

/** How the platform API authenticates its callers. */
export type PlatformAuth =
  /** Every route but health needs `Authorization: Bearer <token>` (embedded runtime). */
  | { kind: 'bearer'; token: string }
  /** Authentication happened before the request got here (API Gateway IAM authorizer on AWS). */
  | { kind: 'gateway' };

export interface PlatformIngestOptions {
  processes: readonly PlatformProcess[];
  submit(process: SubmittableProcess, request: SubmitRequest): Promise<SubmitResult>;
  auth: PlatformAuth;
  maxPayloadBytes: number;
  queues?: QueueConsole;
}

const submitBody = z.object({ process: z.string().min(1).max(128), payload: z.unknown() }).strict();
const ATTRIBUTE_HEADER = 'x-message-attribute-';

/**
 * The ingestion routes of the platform API — `POST /sluice/tasks` and
 * `POST /sluice/queues/{queue}/messages` — and its bearer check, independent
 * of any HTTP framework: the Hono app (both runtimes) and the embedded
 * runtime's node:http fast path call the same code, so they cannot answer
 * differently.
 */
export class PlatformIngest {
  readonly #byName: ReadonlyMap<string, PlatformProcess>;
  readonly #expected: Buffer | undefined;

  constructor(private readonly options: PlatformIngestOptions) {
    this.#byName = new Map(options.processes.map((p) => [p.name, p]));
    this.#expected = options.auth.kind === 'bearer' ? digest(options.auth.token) : undefined;
  }

  /** A 401 reply when the caller is not authenticated; undefined when it may go on. */
  authenticate(authorization: string | undefined): HttpReply | undefined {
    if (!this.#expected) return undefined;
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    // Compare digests: constant time, and the lengths never differ.
    if (match && timingSafeEqual(digest(match[1]!.trim()), this.#expected)) return undefined;
    // A JWT here is the usual mix-up (process routes take JWTs, /sluice/* takes the control-plane token): say which token this is.
    const looksLikeJwt = match !== null && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(match[1]!.trim());
    const message = looksLikeJwt
      ? "a valid bearer token is required: /sluice/* takes the control-plane API token (the runtime's api-token file, or SLUICE_API_TOKEN), not a JWT; JWTs (npx sluice token) are for process routes"
      : "a valid bearer token is required: the control-plane API token (the runtime's api-token file, or SLUICE_API_TOKEN)";
    return jsonReply(401, { error: 'Unauthorized', message }, { 'www-authenticate': 'Bearer realm="sluice"' });
  }

  /**
   * `POST /sluice/tasks`: 202 with the task. The body is JSON whatever its
   * content type says (curl -d sends a form type).
   */
  async submitTask(raw: Uint8Array, idempotencyKey: string | undefined): Promise<HttpReply> {
    const body = parseRequestBody(raw, 'application/json', this.options.maxPayloadBytes);
    const parsed = submitBody.safeParse(body ?? {});
    if (!parsed.success) throw validationErrorOf(parsed.error, 'request body');
    const process = this.#byName.get(parsed.data.process);
    if (!process) throw new UnknownProcessError(parsed.data.process);
    const result = await this.options.submit(process, { payload: parsed.data.payload, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
    const headers: Record<string, string> = { location: `/sluice/tasks/${result.record.taskId}` };
    if (!result.created) headers['idempotent-replayed'] = 'true';
    return jsonReply(202, acceptedBody(result.record), headers);
  }

  /**
   * `POST /sluice/queues/{queue}/messages` (embedded): the body is the
   * message body; `x-message-attribute-NAME` headers become attributes.
   *
   * @param headers lower-case names, one value each
   * @param delay the raw `delaySeconds` query parameter: decimal digits, 0 to 900
   * @throws {ValidationError} `delaySeconds` invalid
   * @throws {MalformedInputError} not UTF-8, or JSON nested deeper than `MAX_JSON_DEPTH`
   */
  async sendMessage(queue: string, raw: Uint8Array, headers: Record<string, string>, delay: string | undefined): Promise<HttpReply> {
    const queues = this.options.queues;
    if (!queues) throw new ValidationError('this runtime has no queue console', [{ path: 'queue', message: 'not available' }]);
    if (raw.byteLength > this.options.maxPayloadBytes) throw new PayloadTooLargeError(raw.byteLength, this.options.maxPayloadBytes);
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (cause) {
      throw new MalformedInputError('message body is not valid UTF-8', { cause });
    }
    const delaySeconds = parseDelaySeconds(delay);
    // The consumer reads a JSON body as JSON: one nested past the limit could only be dead-lettered.
    if (opensTooDeep(body)) throw tooDeepError('message body');
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(ATTRIBUTE_HEADER)) attributes[name.slice(ATTRIBUTE_HEADER.length)] = value;
    }
    const message = { body, attributes, ...(delaySeconds !== undefined ? { delaySeconds } : {}) };
    // What SQS would refuse is a precise 400/413 here, whichever queue adapter is behind the console.
    checkOutgoingMessage(message);
    const { messageId } = await queues.send(queue, message);
    return jsonReply(202, { queue, messageId });
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function acceptedBody(record: TaskRecord) {
  return { taskId: record.taskId, process: record.process, status: record.status, createdAt: record.createdAt, links: { self: `/sluice/tasks/${record.taskId}` } };
}
