import { MalformedInputError } from '../core/errors.js';

/**
 * How a request target (`/path?query`) becomes `payload.path`,
 * `payload.pathParameters` and `payload.query`: API Gateway HTTP API's rule
 * (payload format 2.0), as live HTTP APIs apply it, so that a process sees
 * the same values on both runtimes. The AWS runtime gets these values from
 * API Gateway already decoded; the embedded runtime applies this module.
 *
 * Path (`rawPath`):
 * - percent-decoded before routing (UTF-8): `%40` → `@`, `%20` → space,
 *   `%2F` → `/` (so an encoded slash separates segments like a plain one:
 *   `/files/a%2Fb` does not match `/files/{name}`), `+` stays `+`;
 * - decoded a second time after that: `%2540` → `@`, `%252F` → `/`, and a
 *   `%` that does not then start an escape (`%25` alone) is a 400;
 * - a `?` produced by the first decoding (`%3F`) ends the path.
 *
 * Path parameters are the segments of that decoded path (nothing more to
 * decode). Query (`queryStringParameters`): `application/x-www-form-urlencoded`
 * decoding (`+` → space, `%2B` → `+`), repeated keys joined with `,` in
 * order, empty values kept.
 */

/** The path and query parts of a request target, as sent. */
export function splitRequestTarget(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  return q === -1 ? { rawPath: target, rawQuery: '' } : { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

/**
 * The decoded path, as API Gateway puts it in `rawPath` (see the module comment).
 * @throws {MalformedInputError} an escape that does not decode (→ 400)
 */
export function decodeRequestPath(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath;
  const once = strictDecode(rawPath);
  const q = once.indexOf('?');
  return strictDecode(q === -1 ? once : once.slice(0, q));
}

/** `queryStringParameters` of a raw query string (see the module comment). */
export function parseQueryString(rawQuery: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (rawQuery === '') return out;
  for (const [key, value] of new URLSearchParams(rawQuery)) out[key] = key in out ? `${out[key]},${value}` : value;
  return out;
}

function strictDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new MalformedInputError('the request path has a malformed percent-escape', { cause });
  }
}
