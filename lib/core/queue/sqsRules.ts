import { PayloadTooLargeError, ValidationError } from '../errors.js';
import type { OutgoingMessage } from '../ports/MessageQueue.js';

/**
 * SQS's limits and what it accepts in a `SendMessage`, as one piece of code that every
 * {@link MessageQueue} adapter (SQLite and SQS) and every ingestion edge
 * (`POST /sluice/queues/{q}/messages`, task dispatch) calls, so that a
 * message the embedded runtime accepts is one AWS accepts too.
 *
 * The rules (SQS `SendMessage` / `MessageAttributeValue` reference, SQS
 * message quotas):
 * - body: at least 1 character, only `#x9 | #xA | #xD | #x20-#xD7FF |
 *   #xE000-#xFFFD | #x10000-#x10FFFF` (the XML 1.0 `Char` production: no
 *   other control characters, no U+FFFE/U+FFFF, no lone surrogates);
 * - at most 10 message attributes; names of 1..256 characters of
 *   `A-Z a-z 0-9 _ - .`, not starting or ending with `.`, no `..`, not
 *   starting with `AWS.` or `Amazon.` in any casing; `String` values not
 *   empty, with the body's character rules;
 * - size: body + every attribute's name, data type (`String`) and value, in
 *   UTF-8 bytes, at most {@link SQS_MAX_MESSAGE_BYTES} (the queue default).
 * - `DelaySeconds`: whole seconds 0..900.
 *
 * The queue limits (names, visibility, retention, redrive, long poll) are
 * here too, for the embedded queue's checks and the `serverless.yml` reader.
 *
 * (SQS documents that it may also replace invalid characters with U+FFFD
 * instead of refusing the message; either way the message would not arrive
 * as sent, so Sluice refuses it.)
 */

/** SQS queue names: 1..80 characters of A-Z a-z 0-9 - _ (standard queues). */
export const SQS_QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** `VisibilityTimeout` range, seconds (12 hours at most); default 30. */
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
export const SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** `MessageRetentionPeriod` range, seconds (1 minute to 14 days); default 4 days. */
export const SQS_MIN_RETENTION_SECONDS = 60;
export const SQS_MAX_RETENTION_SECONDS = 1_209_600;
export const SQS_DEFAULT_RETENTION_SECONDS = 345_600;
/** `maxReceiveCount` of a redrive policy: 1..1000. */
export const SQS_MAX_RECEIVE_COUNT = 1000;
/** Long poll: `WaitTimeSeconds` 0..20. */
export const SQS_MAX_WAIT_SECONDS = 20;
/** `MaxNumberOfMessages` of a receive: 1..10. */
export const SQS_MAX_RECEIVE_MESSAGES = 10;

/**
 * Largest SQS message, body and attributes together: 1 MiB since 4 August 2025 (the SQS what's-new
 * "Amazon SQS increases maximum message payload size to 1 MiB"; also the `MaximumMessageSize` of new
 * queues, which the queues Sluice creates keep). It was 256 KiB before.
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Message attributes per message. */
export const SQS_MAX_ATTRIBUTES = 10;
/** Characters in a message attribute name. */
export const SQS_MAX_ATTRIBUTE_NAME_LENGTH = 256;
/** Largest `DelaySeconds` (15 minutes). */
export const SQS_MAX_DELAY_SECONDS = 900;
/** The data type every Sluice attribute travels as. */
const STRING_TYPE = 'String';

/** One character SQS refuses (with the `u` flag a lone surrogate is one code point, a pair is an allowed astral one). */
const FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, 'gu');
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const RESERVED_PREFIX = /^(aws|amazon)\./i;

/** The first character of `text` that SQS refuses: its UTF-16 index and code point; undefined when all are allowed. */
export function firstForbiddenCharacter(text: string): { index: number; codePoint: number } | undefined {
  const match = FORBIDDEN.exec(text);
  return match ? { index: match.index, codePoint: match[0].codePointAt(0)! } : undefined;
}

/** `U+0007`, `U+FFFF`, `U+D800`: how errors name a code point. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The size SQS counts for a message, in bytes: the body plus, per
 * attribute, its name, data type and value (UTF-8).
 */
export function sqsMessageBytes(message: Pick<OutgoingMessage, 'body' | 'attributes'>): number {
  let size = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    size += Buffer.byteLength(name) + STRING_TYPE.length + Buffer.byteLength(value);
  }
  return size;
}

/**
 * Checks a message against SQS's rules before it is sent or stored.
 *
 * @throws {ValidationError} (400 at the edge) naming the offending part
 *   (`body`, `attributes.<name>`, `delaySeconds`) and, for a character, its
 *   code point and index
 * @throws {PayloadTooLargeError} (413) over {@link SQS_MAX_MESSAGE_BYTES}
 */
export function checkOutgoingMessage(message: OutgoingMessage): void {
  checkText('body', 'message body', message.body);
  const attributes = Object.entries(message.attributes ?? {});
  if (attributes.length > SQS_MAX_ATTRIBUTES) {
    throw invalid('attributes', `a message has at most ${SQS_MAX_ATTRIBUTES} attributes (SQS); got ${attributes.length}`);
  }
  for (const [name, value] of attributes) {
    checkAttributeName(name);
    checkText(`attributes.${name}`, `value of attribute '${name}'`, value);
  }
  if (message.delaySeconds !== undefined) checkDelaySeconds(message.delaySeconds);
  const size = sqsMessageBytes(message);
  if (size > SQS_MAX_MESSAGE_BYTES) throw new PayloadTooLargeError(size, SQS_MAX_MESSAGE_BYTES);
}

/** @throws {ValidationError} unless `value` is whole seconds 0..900 */
export function checkDelaySeconds(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > SQS_MAX_DELAY_SECONDS) {
    throw invalid('delaySeconds', `delaySeconds must be whole seconds from 0 to ${SQS_MAX_DELAY_SECONDS}; got ${value}`);
  }
}

/**
 * A `delaySeconds` query parameter: absent (undefined) or decimal digits
 * only; `''`, `0x10`, `1e2`, ` 5` are refused rather than read leniently.
 *
 * @throws {ValidationError}
 */
export function parseDelaySeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,4}$/.test(raw)) throw invalid('delaySeconds', `delaySeconds must be whole seconds from 0 to ${SQS_MAX_DELAY_SECONDS}; got '${raw}'`);
  const value = Number(raw);
  checkDelaySeconds(value);
  return value;
}

/**
 * A JSON text that SQS carries unchanged: every character SQS refuses is
 * written as its `\uXXXX` escape, which JSON allows for any character and
 * `JSON.parse` reads back as the same string. (Those characters can only
 * occur inside JSON strings, and `JSON.stringify` already escapes controls
 * and lone surrogates; what remains is U+FFFE and U+FFFF.)
 */
export function escapeJsonForSqs(json: string): string {
  return json.replace(FORBIDDEN_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function checkText(path: string, what: string, text: string): void {
  if (text.length === 0) throw invalid(path, `${what} must not be empty (SQS needs at least 1 character)`);
  const bad = firstForbiddenCharacter(text);
  if (bad) {
    throw invalid(
      path,
      `${what} contains ${codePointName(bad.codePoint)} at index ${bad.index}; SQS allows only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF`,
    );
  }
}

function checkAttributeName(name: string): void {
  const path = `attributes.${name}`;
  const fail = (why: string) => invalid(path, `attribute name '${name}' ${why}`);
  if (name.length === 0 || name.length > SQS_MAX_ATTRIBUTE_NAME_LENGTH) throw fail(`must be 1 to ${SQS_MAX_ATTRIBUTE_NAME_LENGTH} characters`);
  if (!ATTRIBUTE_NAME.test(name)) throw fail('may contain only A-Z a-z 0-9 _ - .');
  if (name.startsWith('.') || name.endsWith('.')) throw fail('must not start or end with a period');
  if (name.includes('..')) throw fail('must not contain successive periods');
  if (RESERVED_PREFIX.test(name)) throw fail("must not start with 'AWS.' or 'Amazon.' (reserved by AWS)");
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}
