import { jsonNestingExceeds, MAX_STORED_JSON_DEPTH } from '../boundedJson.js';
import { AgentRefusedError } from '../agents/agentErrors.js';
import { ValidationError } from '../errors.js';
import { assertPageLimit } from '../pageLimit.js';
import { reversedWindow } from '../task/createdWindow.js';
import { parseInstant } from '../time/parseInstant.js';
import type { DataEventInput, EventQuery } from './DataEvent.js';

/**
 * Limits of a data event, the same on both runtimes. `MAX_EVENTS_PER_TASK`
 * comes from DynamoDB: a task's final record and its events are written in
 * one `TransactWriteItems`, which holds at most 100 items
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
export const DATA_EVENT_LIMITS = {
  labelChars: 256,
  identityChars: 1024,
  typeChars: 64,
  /** UTF-8 bytes of `meta` as JSON. */
  metaBytes: 32 * 1024,
  eventsPerTask: 99,
} as const;

/** A `ctx.events.emit` refused: a field missing, too long, or not JSON; too many events. Not retriable. */
export class DataEventRefusedError extends AgentRefusedError {
  constructor(message: string) {
    super('events', 'emit', message);
    this.name = 'DataEventRefusedError';
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Control characters (C0, C1), line and paragraph separators and bidirectional controls would corrupt
// logs and the platform API's output or disguise a name; identities are URIs and labels names.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

/**
 * Checks one emitted event and returns its normalised form (`meta` as a JSON
 * copy: a Date becomes a string, a later change by the logic does not leak in).
 *
 * @throws {DataEventRefusedError} naming the event's index and field
 */
export function checkDataEvent(input: unknown, index: number): DataEventInput {
  const at = `event ${index}`;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new DataEventRefusedError(`${at} must be an object { label, source, target, meta?, type? }`);
  const event = input as Record<string, unknown>;
  for (const key of Object.keys(event)) {
    if (!['label', 'source', 'target', 'meta', 'type'].includes(key)) throw new DataEventRefusedError(`${at} has an unknown field '${key}' (fields: label, source, target, meta, type)`);
  }
  const label = text(event.label, `${at}.label`, DATA_EVENT_LIMITS.labelChars);
  if (label.includes('*')) throw new DataEventRefusedError(`${at}.label must not contain '*' (a pattern character of subscriptions)`);
  const out: DataEventInput = {
    label,
    source: text(event.source, `${at}.source`, DATA_EVENT_LIMITS.identityChars),
    target: text(event.target, `${at}.target`, DATA_EVENT_LIMITS.identityChars),
  };
  if (event.type !== undefined) out.type = text(event.type, `${at}.type`, DATA_EVENT_LIMITS.typeChars);
  if (event.meta !== undefined) out.meta = jsonMeta(event.meta, at);
  return out;
}

function text(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new DataEventRefusedError(`${path} must be a non-empty string`);
  if (value.length > max) throw new DataEventRefusedError(`${path} is ${value.length} characters; at most ${max}`);
  if (CONTROL.test(value)) throw new DataEventRefusedError(`${path} must not contain control, separator or bidirectional characters`);
  // A lone surrogate is no character: UTF-8 (SQLite, DynamoDB, JSON on the wire) cannot carry it.
  if (LONE_SURROGATE.test(value)) throw new DataEventRefusedError(`${path} is not well-formed Unicode (a lone surrogate)`);
  return value;
}

function jsonMeta(meta: unknown, at: string): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(meta);
  } catch (error) {
    throw new DataEventRefusedError(`${at}.meta is not JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new DataEventRefusedError(`${at}.meta is not JSON (a ${typeof meta})`);
  const bytes = Buffer.byteLength(json);
  if (bytes > DATA_EVENT_LIMITS.metaBytes) throw new DataEventRefusedError(`${at}.meta is ${bytes} bytes as JSON; at most ${DATA_EVENT_LIMITS.metaBytes}`);
  if (jsonNestingExceeds(json, MAX_STORED_JSON_DEPTH)) throw new DataEventRefusedError(`${at}.meta nests deeper than ${MAX_STORED_JSON_DEPTH} levels`);
  return JSON.parse(json);
}

/**
 * Checks a search's limit and normalises its times by the one rule of time
 * filters (`parseInstant` → UTC with milliseconds, as stored), for every
 * store and the own-task search.
 * @throws {ValidationError} naming the field; a reversed window (`until` before `since`) naming `until`
 */
export function checkEventQuery<Q extends EventQuery>(query: Q): Q {
  assertPageLimit(query.limit, 'event search');
  if (typeof query.label === 'string' && query.label.includes('*')) {
    throw new ValidationError("invalid event search: label is an exact label ('*' is for subscriptions; no label filter searches all)", [{ path: 'label', message: "no '*'" }]);
  }
  const out = { ...query };
  for (const field of ['since', 'until'] as const) {
    const value = query[field];
    if (value === undefined) continue;
    const instant = typeof value === 'string' ? parseInstant(value) : ({ ok: false, message: 'must be a string' } as const);
    if (!instant.ok) throw new ValidationError(`invalid event search: ${field}: ${instant.message}`, [{ path: field, message: instant.message }]);
    out[field] = instant.iso;
  }
  const reversed = reversedWindow(out);
  if (reversed) throw new ValidationError(`invalid event search: until ${reversed}`, [{ path: 'until', message: reversed }]);
  return out;
}
