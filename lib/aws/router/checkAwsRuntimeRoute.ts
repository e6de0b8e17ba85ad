import type { HttpMethod, HttpRouteManifest } from '../../config/ServiceManifest.js';
import { ConflictError, ValidationError } from '../../core/errors.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';
import { compareRoutes, ProcessRouteTable } from '../../http/ProcessRouteTable.js';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * What the AWS runtime adds to the registry's checks of a runtime `http`
 * trigger (call it from the AWS `TriggerServiceOptions.check`, after the
 * checks both runtimes share). Runtime routes reach the router through
 * the HTTP API's one catch-all route, `ANY /{proxy+}`; so on AWS:
 *
 * - no `authorizer`: the catch-all route has none, and API Gateway cannot
 *   attach one per runtime route (400; declare the route in serverless.yml
 *   with its authorizer instead). The router also refuses to serve such a
 *   route (403) should one be in the registry anyway.
 * - not `/`: `{proxy+}` matches one segment or more, never the root (400).
 * - not where a static route takes its requests first: API Gateway sends a
 *   request to the most specific route *it* has, and it has only the static
 *   ones and the catch-all; a runtime route more specific than a static route
 *   that matches the same requests (runtime `GET /orders/today` under static
 *   `GET /orders/{id}`) would be served on the embedded runtime and never on
 *   AWS (409 naming the static route).
 *
 * @throws {ValidationError} {ConflictError}
 */
export function checkAwsRuntimeRoute(spec: Extract<TriggerSpec, { kind: 'http' }>, staticRoutes: readonly HttpRouteManifest[]): void {
  if (spec.authorizer !== undefined) {
    const message = 'on AWS a runtime route cannot have an authorizer: runtime routes are served through the HTTP API\'s catch-all route, which has none; declare the route in serverless.yml with its authorizer';
    throw new ValidationError(`invalid http trigger: authorizer: ${message}`, [{ path: 'authorizer', message }]);
  }
  if (spec.path === '/') {
    const message = 'on AWS runtime routes are served through the catch-all route /{proxy+}, which does not match /; declare / in serverless.yml';
    throw new ValidationError(`invalid http trigger: path: ${message}`, [{ path: 'path', message }]);
  }
  const shadow = shadowingRoute(spec, staticRoutes);
  if (shadow) {
    throw new ConflictError(
      `route '${spec.method} ${spec.path}' would never be reached on AWS: API Gateway sends its requests to the static route '${shadow.method} ${shadow.path}' first (it knows only the static routes and the catch-all); change the path, or declare the route in serverless.yml`,
    );
  }
}

/**
 * A static route, less specific than `spec`, that API Gateway would pick for
 * a request `spec` matches: tried on a representative path (each `{param}`
 * kept as its own text, which no static segment equals) for each method
 * `spec` takes.
 */
function shadowingRoute(spec: { method: HttpMethod; path: string }, staticRoutes: readonly HttpRouteManifest[]): HttpRouteManifest | undefined {
  if (staticRoutes.length === 0) return undefined;
  const table = new ProcessRouteTable(staticRoutes.map((route) => ({ route, target: route })));
  for (const method of spec.method === 'ANY' ? METHODS : [spec.method]) {
    const found = table.match(method, spec.path);
    if (found.kind === 'route' && compareRoutes(spec, found.route) < 0) return found.route;
  }
  return undefined;
}
