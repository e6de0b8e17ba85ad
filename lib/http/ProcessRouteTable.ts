import type { HttpRouteManifest } from '../config/ServiceManifest.js';
import { routeSegment } from '../config/assertHttpRoutePath.js';
import { routeShapeKey } from '../config/routeShapeKey.js';
import { ConfigError } from '../core/errors.js';

/** What a request path and method resolve to. */
export type RouteMatch<T> = { kind: 'route'; target: T; route: HttpRouteManifest; pathParameters: Record<string, string> } | { kind: 'not-found' };

interface CompiledRoute<T> {
  route: HttpRouteManifest;
  target: T;
  pattern: RegExp;
  names: string[];
}

/**
 * The `httpApi` routes of every process, selected with API Gateway HTTP
 * API's rules, never by declaration order:
 * 1. the most specific path wins (segment by segment: a static segment
 *    before `{param}`, `{param}` before `{proxy+}`);
 * 2. on the same path, a route for the request's method wins over `ANY`
 *    (`ANY` matches only the methods the path does not declare);
 * 3. a request no route matches — an unknown path, or a known path with a
 *    method it does not declare and no `ANY` — is a 404, as API Gateway
 *    answers (`{"message":"Not Found"}`), not a 405.
 *
 * `{param}` matches one non-empty segment, never across `/`; `{proxy+}`
 * (last segment only) one or more. Paths are matched decoded (see
 * `decodeRequestPath`), so parameters need no further decoding.
 *
 * Hand-written rather than Hono's router because these rules, not Hono's
 * registration order, must decide; compiled once, it is a Map lookup for
 * static routes and a short regex scan otherwise.
 *
 * @throws {ConfigError} two routes with the same method and path shape (API Gateway refuses them too)
 */
export class ProcessRouteTable<T> {
  readonly #static = new Map<string, Array<CompiledRoute<T>>>();
  readonly #dynamic: Array<CompiledRoute<T>> = [];

  constructor(routes: ReadonlyArray<{ route: HttpRouteManifest; target: T }>) {
    const seen = new Map<string, HttpRouteManifest>();
    for (const { route } of routes) {
      const key = shapeKey(route);
      const earlier = seen.get(key);
      if (earlier) throw new ConfigError(`routes '${earlier.method} ${earlier.path}' and '${route.method} ${route.path}' conflict: they match the same requests`);
      seen.set(key, route);
    }
    const sorted = [...routes].sort((a, b) => compareRoutes(a.route, b.route));
    for (const { route, target } of sorted) {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          const parsed = routeSegment(segment);
          if (parsed.kind === 'static') return escapeRegExp(segment);
          names.push(parsed.name);
          return parsed.greedy ? '(.+)' : '([^/]+)';
        })
        .join('/');
      const compiled = { route, target, pattern: new RegExp(`^${source}$`), names };
      if (names.length === 0) {
        const list = this.#static.get(route.path) ?? [];
        list.push(compiled);
        this.#static.set(route.path, list);
      } else {
        this.#dynamic.push(compiled);
      }
    }
  }

  /** @param path the decoded request path, without the query string */
  match(method: string, path: string): RouteMatch<T> {
    // A static path is more specific than any pattern; candidates are sorted with ANY last.
    for (const candidate of this.#static.get(path) ?? []) {
      if (candidate.route.method === method || candidate.route.method === 'ANY') {
        return { kind: 'route', target: candidate.target, route: candidate.route, pathParameters: {} };
      }
    }
    for (const candidate of this.#dynamic) {
      if (candidate.route.method !== method && candidate.route.method !== 'ANY') continue;
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      candidate.names.forEach((name, i) => (pathParameters[name] = found[i + 1]!));
      return { kind: 'route', target: candidate.target, route: candidate.route, pathParameters };
    }
    return { kind: 'not-found' };
  }
}

/** 0 static, 1 parameter, 2 greedy parameter: the order API Gateway prefers them in. */
function segmentRank(segment: string): number {
  const parsed = routeSegment(segment);
  return parsed.kind === 'static' ? 0 : parsed.greedy ? 2 : 1;
}

/** Static segments sort before parameters, parameters before greedy ones, segment by segment. */
export function compareSpecificity(a: string, b: string): number {
  const sa = a.split('/').filter(Boolean);
  const sb = b.split('/').filter(Boolean);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const ra = i < sa.length ? segmentRank(sa[i]!) : -1;
    const rb = i < sb.length ? segmentRank(sb[i]!) : -1;
    if (ra !== rb) return ra === -1 ? 1 : rb === -1 ? -1 : ra - rb;
  }
  return 0;
}

/**
 * The total order routes are tried in: specificity, then a specific method
 * before `ANY`, then (for routes no request can tell apart) their text, so
 * that nothing depends on the order they were declared in.
 */
export function compareRoutes(a: HttpRouteManifest, b: HttpRouteManifest): number {
  return (
    compareSpecificity(a.path, b.path) ||
    Number(a.method === 'ANY') - Number(b.method === 'ANY') ||
    compareText(a.path, b.path) ||
    compareText(a.method, b.method)
  );
}

/** Two routes with the same key match the same requests (API Gateway refuses the second): `POST /a/{}/{+}`. */
/** See {@link routeShapeKey}. */
export const shapeKey = routeShapeKey;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
