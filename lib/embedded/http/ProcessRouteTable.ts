import type { HttpRouteManifest } from '../../config/ServiceManifest.js';
import { decodeComponent } from '../../http/percentDecoding.js';

/** What a request path and method resolve to. */
export type RouteMatch<T> =
  | { kind: 'route'; target: T; route: HttpRouteManifest; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

interface CompiledRoute<T> {
  route: HttpRouteManifest;
  target: T;
  pattern: RegExp;
  names: string[];
}

/**
 * The `httpApi` routes of every process, matched with API Gateway's rules:
 * the most specific route wins whatever the declaration order (static
 * segments before `{param}` before `{proxy+}`), `ANY` matches every method,
 * and a path that exists with other methods is a 405.
 *
 * Hand-written rather than Hono's router because those rules, not Hono's
 * registration order, must decide; compiled once, it is a Map lookup for
 * static routes and a short regex scan otherwise.
 */
export class ProcessRouteTable<T> {
  readonly #static = new Map<string, Array<CompiledRoute<T>>>();
  readonly #dynamic: Array<CompiledRoute<T>> = [];

  constructor(routes: ReadonlyArray<{ route: HttpRouteManifest; target: T }>) {
    const sorted = [...routes].sort((a, b) => compareSpecificity(a.route.path, b.route.path));
    for (const { route, target } of sorted) {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(segment);
          if (greedy) {
            names.push(greedy[1]!);
            return '(.+)';
          }
          const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
          if (param) {
            names.push(param[1]!);
            return '([^/]+)';
          }
          return escapeRegExp(segment);
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

  /** @param path the request path as received (percent-encoded), without the query string */
  match(method: string, path: string): RouteMatch<T> {
    const allow = new Set<string>();
    for (const candidate of this.#static.get(path) ?? []) {
      if (candidate.route.method === 'ANY' || candidate.route.method === method) {
        return { kind: 'route', target: candidate.target, route: candidate.route, pathParameters: {} };
      }
      allow.add(candidate.route.method);
    }
    for (const candidate of this.#dynamic) {
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      if (candidate.route.method === 'ANY' || candidate.route.method === method) {
        const pathParameters: Record<string, string> = {};
        candidate.names.forEach((name, i) => (pathParameters[name] = decodeComponent(found[i + 1]!)));
        return { kind: 'route', target: candidate.target, route: candidate.route, pathParameters };
      }
      allow.add(candidate.route.method);
    }
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow].sort() } : { kind: 'not-found' };
  }
}

function segmentRank(segment: string): number {
  if (/^\{[^}]+\+\}$/.test(segment)) return 2;
  if (/^\{[^}]+\}$/.test(segment)) return 1;
  return 0;
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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
