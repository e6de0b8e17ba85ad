import { MalformedInputError } from './errors.js';

/**
 * The deepest nesting of arrays and objects Sluice accepts in JSON from
 * outside (request bodies, async payloads, queue message bodies).
 *
 * `JSON.parse` itself copes with any depth, but everything that walks the
 * value afterwards recursively does not: `JSON.stringify` (storing a task,
 * an envelope), zod (input schemas), payload hashing. About 4,100 levels, a
 * 10 KB body, overflow the stack. 64 levels leave real payloads ample room
 * and keep every later walk shallow.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of what process code hands back to be stored and
 * carried between threads: results and log data. Deeper than inputs, so that
 * a process may wrap its whole input (`{ received: input }`), but bounded for
 * the same reason: a 5,000-level result overflowed the structured clone
 * between a worker and the runtime. A deeper result is `ResultNotSerializable`.
 */
export const MAX_STORED_JSON_DEPTH = 256;

/**
 * Whether `text` nests arrays or objects deeper than `maxDepth`, counted
 * outside strings. One linear pass, no allocation; valid or not, the text
 * is not parsed.
 */
export function jsonNestingExceeds(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  // A text with fewer brackets than the limit cannot exceed it.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** The error for JSON nested deeper than {@link MAX_JSON_DEPTH}. */
export function tooDeepError(what: string): MalformedInputError {
  return new MalformedInputError(`${what} nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * `JSON.parse` for text from outside: the one place the nesting limit and
 * finite numbers are enforced before a value reaches the core (every request
 * body parsed as JSON on both runtimes: the platform API's and process routes').
 *
 * @param what names the text in error messages, e.g. `request body`
 * @throws {MalformedInputError} not JSON, nested deeper than {@link MAX_JSON_DEPTH},
 *   or holding a number that overflows to ±Infinity (the message names its path, e.g. `payload.items.0`)
 */
export function parseBoundedJson(text: string, what: string): unknown {
  if (jsonNestingExceeds(text)) throw tooDeepError(what);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MalformedInputError(`${what} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (mayOverflowNumber(text)) {
    const at = nonFinitePath(value);
    if (at !== undefined) throw new MalformedInputError(`${what}: the number at ${at.length > 0 ? at.join('.') : '(root)'} is too large (beyond ±1.8e308 it is Infinity, which JSON cannot hold)`);
  }
  return value;
}

/**
 * Whether `text` may hold a JSON number that `JSON.parse` turns into
 * ±Infinity (stored, it would silently become `null`): only one with an
 * exponent of three digits or more, or a run of 309 digits, can exceed
 * `Number.MAX_VALUE` (1.8e308). A cheap linear test (each run of digits is
 * scanned once from the non-digit before it) that keeps the path walk off
 * the hot path. Measured on a 2.3 KB body: 1.1 µs beside `JSON.parse`'s
 * 7 µs, where a reviver checking every value made the parse 27 µs.
 * False positives (inside strings, long fractions) only cost the walk.
 */
function mayOverflowNumber(text: string): boolean {
  return /[eE][+-]?\d{3}|(?:^|\D)\d{309}/.test(text);
}

/** The path (keys and indexes) of the first ±Infinity in a parsed value, depth first; undefined when there is none. */
function nonFinitePath(value: unknown): Array<string | number> | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : [];
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = nonFinitePath(value[i]);
      if (below) return [i, ...below];
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const below = nonFinitePath((value as Record<string, unknown>)[key]);
    if (below) return [key, ...below];
  }
  return undefined;
}

/**
 * Classifies a text that may or may not be JSON (a queue message body):
 * `json` with its value, `text` when it does not parse, `too-deep` when it
 * opens with `[` or `{` and nests past the limit. Such a text is refused
 * without being parsed, JSON or not: parsing it costs about a microsecond
 * per level (a second for 1 MB of brackets), and no real text message
 * opens with 65 unclosed brackets. A text that opens otherwise is never
 * too deep.
 */
export function readMaybeJson(text: string, maxDepth: number = MAX_JSON_DEPTH): { kind: 'json'; value: unknown } | { kind: 'text' } | { kind: 'too-deep' } {
  if (opensTooDeep(text, maxDepth)) return { kind: 'too-deep' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'text' };
  }
}

/**
 * Whether a text that may be JSON is refused by the nesting limit: it opens
 * with `[` or `{` (after whitespace) and nests past `maxDepth` (see {@link readMaybeJson}).
 */
export function opensTooDeep(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  return /^[\t\n\r ]*[[{]/.test(text.length > 256 ? text.slice(0, 256) : text) && jsonNestingExceeds(text, maxDepth);
}
