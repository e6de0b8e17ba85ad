import type { HttpMethod, HttpRouteManifest } from '../config/ServiceManifest.js';
import { compareRoutes, ProcessRouteTable } from './ProcessRouteTable.js';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * A static route, less specific than `route`, that matches requests `route`
 * matches (runtime `GET /orders/today` under static `GET /orders/{id}`), or
 * undefined. Tried on a representative path (each `{param}` kept as its own
 * text, which no static segment equals) for each method `route` takes.
 *
 * Such a runtime route would carve requests out of the static route: on AWS
 * API Gateway, which knows only the static routes and the catch-all, never
 * sends it any; on the embedded runtime it would take them, past the static
 * route's authorizer. Both runtimes refuse it.
 */
export function staticRouteTaking(route: { method: HttpMethod; path: string }, staticRoutes: readonly HttpRouteManifest[]): HttpRouteManifest | undefined {
  if (staticRoutes.length === 0) return undefined;
  const table = new ProcessRouteTable(staticRoutes.map((r) => ({ route: r, target: r })));
  for (const method of route.method === 'ANY' ? METHODS : [route.method]) {
    const found = table.match(method, route.path);
    if (found.kind === 'route' && compareRoutes(route, found.route) < 0) return found.route;
  }
  return undefined;
}
