import type { Context } from 'hono';
import { ValidationError } from '../core/errors.js';

/**
 * The query parameters of a `/sluice/*` request, each given at most once.
 *
 * Process routes follow API Gateway (`parseQueryString`: a repeated key's
 * values joined with `,`), but on the platform API a joined value can be a
 * valid one (`process=a&process=b` would search for a process named `a,b`
 * and find nothing), so a repeated key is refused instead of guessed at.
 * @returns key → value (percent-decoded, `+` as space: `URLSearchParams`)
 * @throws {ValidationError} naming every repeated key (→ 400)
 */
export function platformQuery(c: Context): Record<string, string> {
  const url = c.req.url;
  const q = url.indexOf('?');
  const out: Record<string, string> = {};
  if (q === -1) return out;
  const repeated = new Set<string>();
  for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
    if (Object.hasOwn(out, key)) repeated.add(key);
    else out[key] = value;
  }
  if (repeated.size > 0) {
    throw new ValidationError(
      `invalid query: ${[...repeated].join(', ')} given more than once`,
      [...repeated].map((key) => ({ path: key, message: 'given more than once' })),
    );
  }
  return out;
}
