import { createHash, randomBytes } from 'node:crypto';

/**
 * Task ids are 22 base64url characters (128 bits).
 *
 * - A fresh task gets 128 random bits: unguessable (OWASP API1).
 * - A task that must map to the same id on every retry (an idempotency key,
 *   a queue message, a scheduled event) gets a SHA-256-derived id, so that
 *   the store's conditional write alone dedupes it, at no extra write. Such
 *   ids are as unguessable as their inputs: SQS message ids and EventBridge
 *   event ids are random; idempotency keys should be too (README says so).
 */
export function newTaskId(): string {
  return randomBytes(16).toString('base64url');
}

export function derivedTaskId(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('base64url').slice(0, 22);
}

/** Idempotent async submission: same process + key, same task. */
export const idempotentTaskId = (process: string, idempotencyKey: string) => derivedTaskId('idempotency', process, idempotencyKey);

/** A streaming message: every redelivery of it is the same task. */
export const queueMessageTaskId = (queue: string, messageId: string) => derivedTaskId('queue', queue, messageId);

/** A scheduled firing: one task per rule and due time (or EventBridge event id). */
export const scheduleTaskId = (process: string, rule: string, occurrence: string) => derivedTaskId('schedule', process, rule, occurrence);

const TASK_ID = /^[A-Za-z0-9_-]{22}$/;
export const isTaskId = (value: string) => TASK_ID.test(value);

/**
 * SHA-256 of a JSON value with object keys sorted, so that `{a,b}` and
 * `{b,a}` hash alike (idempotency payload comparison).
 */
export function payloadHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
