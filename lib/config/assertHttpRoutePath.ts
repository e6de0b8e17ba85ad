import { ConfigError } from '../core/errors.js';

/** A whole-segment path parameter: `{name}`, or `{name+}` (greedy). */
const PARAMETER = /^\{([^{}+]+)(\+)?\}$/;

/** One segment of a route path, as API Gateway reads it. */
export type RouteSegment = { kind: 'static'; text: string } | { kind: 'parameter'; name: string; greedy: boolean };

/**
 * What a route path segment is: the one reading of `{name}` / `{name+}` that
 * the start-up check, the route table's matcher and its specificity order
 * share (a segment that is not a whole parameter is static text; the check
 * below refuses the malformed ones before any table is built).
 */
export function routeSegment(segment: string): RouteSegment {
  const parameter = PARAMETER.exec(segment);
  return parameter ? { kind: 'parameter', name: parameter[1]!, greedy: parameter[2] !== undefined } : { kind: 'static', text: segment };
}

/** C0 controls and DEL. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const NON_ASCII = /[^\u0000-\u007f]/u;
/** A `.` or `..` segment. */
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/**
 * Why no request could reach a route with this path, or undefined: a path
 * that decodes (as API Gateway decodes request paths) into the platform
 * API's `/sluice` (`/%73luice/x`), or that holds what a request path
 * cannot: whitespace, `?` or `#` (they end the path), an encoded slash `%2F`
 * (it separates segments in a request), a control character (NUL, DEL...,
 * written or encoded: a request line carries none, and logs and headers
 * must not), a character outside ASCII (a request path is ASCII, RFC 3986:
 * `/é` arrives as `/%C3%A9`), a `.` or `..` segment, written or encoded
 * (clients resolve them before sending, RFC 3986 §5.2.4: `/a/../sluice/x`
 * is `/sluice/x` by the time it is a request).
 *
 * API Gateway HTTP API documents no character rule for route paths (only
 * REST APIs list the characters of a path part); these are the paths no
 * client request matches as written, refused for serverless.yml routes and
 * runtime routes alike (`checkTriggerSpec` names `path`).
 */
export function unreachableRoutePath(path: string): string | undefined {
  if (/\s/.test(path)) return 'must not contain whitespace';
  if (/[?#]/.test(path)) return "must not contain '?' or '#' (they end a request's path)";
  if (/%2f/i.test(path)) return "must not contain '%2F' (an encoded slash separates segments in a request)";
  const nonAscii = NON_ASCII.exec(path);
  if (nonAscii) return `must hold only ASCII characters (${codePoint(nonAscii[0])} at index ${nonAscii.index}): a request path is ASCII, a non-ASCII character arrives percent-encoded`;
  let decoded = path;
  try {
    decoded = decodeURIComponent(decodeURIComponent(path));
  } catch {
    return 'is not a valid percent-encoded path';
  }
  const control = CONTROL.exec(decoded);
  if (control) return `must not contain a control character (${codePoint(control[0])}${decoded === path ? ` at index ${control.index}` : ', once decoded'})`;
  if (DOT_SEGMENT.test(decoded)) return "must not have a '.' or '..' segment (clients resolve them before sending a request)";
  if (decoded.toLowerCase() === '/sluice' || decoded.toLowerCase().startsWith('/sluice/')) return "is under /sluice (once decoded), which is reserved for the Sluice platform API";
  return undefined;
}

/** `U+00E9`. */
function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Checks the path of an `httpApi` route the way API Gateway HTTP API checks
 * a route key at deploy, so that a route the deploy would refuse stops the
 * embedded start-up (and `serverless package`) instead of being served
 * locally. What API Gateway refuses, and so what this refuses:
 * - an empty path part: `//`, or a trailing `/` (`/` alone is the root);
 * - a parameter that is not a whole segment (`/{x}y`, `/a/{x`, `/a/x}`) or
 *   has no name (`/{}`, `/{+}`): "One or more path parts appear to be invalid";
 * - a greedy parameter (`{proxy+}`) anywhere but the last segment;
 * - the same parameter name twice (`/a/{x}/{x}`, `/{x}/{x+}`): it would
 *   have two values in `pathParameters`.
 * The leading `/` and the absence of spaces are checked by the caller (with
 * the method). Characters inside static segments are not checked: no rule
 * for them is documented for HTTP APIs, and refusing a route that deploys
 * would be the opposite mistake.
 *
 * @param route `METHOD /path` as declared, for the message
 * @param place where the route is declared, e.g. `functions.report.events[0].httpApi`
 * @throws {ConfigError} `<place>: route '<route>' would be refused by API Gateway: <why>`
 */
export function assertHttpRoutePath(path: string, route: string, place: string): void {
  const refuse = (why: string): never => {
    throw new ConfigError(`${place}: route '${route}' would be refused by API Gateway: ${why}`);
  };
  if (path === '/') return;
  const segments = path.slice(1).split('/');
  const names = new Set<string>();
  segments.forEach((segment, index) => {
    if (segment === '') refuse(`empty path segment (${index === segments.length - 1 ? "a trailing '/'" : "'//'"})`);
    if (!segment.includes('{') && !segment.includes('}')) return;
    const parsed = routeSegment(segment);
    if (parsed.kind !== 'parameter') return refuse(`'${segment}' is not a path parameter: a parameter is a whole segment, '{name}' or '{name+}'`);
    if (parsed.greedy && index !== segments.length - 1) refuse(`the greedy parameter '${segment}' must be the last segment`);
    if (names.has(parsed.name)) refuse(`the parameter name '${parsed.name}' is used twice`);
    names.add(parsed.name);
  });
}
