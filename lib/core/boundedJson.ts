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
 * `JSON.parse` for text from outside: the one place the nesting limit is
 * enforced before a value reaches the core.
 *
 * @param what names the text in error messages, e.g. `request body`
 * @throws {MalformedInputError} not JSON, or nested deeper than {@link MAX_JSON_DEPTH}
 */
export function parseBoundedJson(text: string, what: string): unknown {
  if (jsonNestingExceeds(text)) throw tooDeepError(what);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MalformedInputError(`${what} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Classifies a text that may or may not be JSON (a queue message body):
 * `json` with its value, `text` when it does not parse, `too-deep` when it
 * is JSON nested beyond the limit (a text that merely has many brackets and
 * does not parse stays `text`).
 */
export function readMaybeJson(text: string, maxDepth: number = MAX_JSON_DEPTH): { kind: 'json'; value: unknown } | { kind: 'text' } | { kind: 'too-deep' } {
  // JSON.parse is iterative in V8 and safe at any depth; only later walks are not.
  const tooDeep = jsonNestingExceeds(text, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'text' };
  }
  return tooDeep ? { kind: 'too-deep' } : { kind: 'json', value };
}
