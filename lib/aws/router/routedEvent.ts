import type { HttpRouteManifest } from '../../config/ServiceManifest.js';

/**
 * The payload 2.0 event API Gateway would have sent the process function had
 * the runtime route been a route of the HTTP API: the catch-all event with
 * `routeKey` (top level and in `requestContext`) set to the runtime route's
 * and `pathParameters` to the runtime path's `{params}` (absent when it has
 * none, as API Gateway omits them). Everything else — `rawPath`, the
 * decoded query, headers, cookies, body, `requestContext` — is passed on
 * unchanged. Does not modify `event`.
 *
 * @param event the raw event as Lambda delivered it (not a parsed copy: a
 *   schema would drop the fields it does not declare)
 */
export function routedEvent(event: Record<string, unknown>, route: HttpRouteManifest, pathParameters: Readonly<Record<string, string>>): Record<string, unknown> {
  const routeKey = `${route.method} ${route.path}`;
  const { pathParameters: _catchAll, ...rest } = event;
  const requestContext = { ...(event.requestContext as Record<string, unknown>), routeKey };
  return { ...rest, routeKey, requestContext, ...(Object.keys(pathParameters).length > 0 ? { pathParameters: { ...pathParameters } } : {}) };
}
