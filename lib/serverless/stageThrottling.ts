import { ConfigError } from '../core/errors.js';
import type { StageThrottle } from '../config/sluiceSettings.js';
import { isPlainObject } from '../config/VariableResolver.js';

/**
 * Sets API Gateway throttling on the HTTP API's stage in the compiled
 * template (`custom.sluice.throttle`): `DefaultRouteSettings` for every
 * route, `RouteSettings` for the route keys given. The Serverless Framework
 * has no setting for it; without it a stage is limited only by the
 * account's 10,000 requests per second, so anyone could start tasks as fast
 * as they like. Run after `package:compileEvents` (the stage and routes exist).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 *
 * @throws {ConfigError} for a route key that is not a route of the service
 */
export function applyStageThrottling(resources: Record<string, unknown>, throttle: StageThrottle): void {
  const entries = Object.values(resources).filter(isPlainObject);
  const stage = entries.find((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
  if (!stage) return; // no HTTP API (no httpApi route at all)
  const routeKeys = new Set(entries.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && isPlainObject(r.Properties)).map((r) => (r.Properties as { RouteKey?: string }).RouteKey));
  const properties = (stage.Properties ??= {}) as Record<string, unknown>;
  properties.DefaultRouteSettings = {
    ...(isPlainObject(properties.DefaultRouteSettings) ? properties.DefaultRouteSettings : {}),
    ThrottlingRateLimit: throttle.rateLimit,
    ThrottlingBurstLimit: throttle.burstLimit,
  };
  const routes: Record<string, unknown> = {};
  for (const [key, limits] of Object.entries(throttle.routes)) {
    if (!routeKeys.has(key)) throw new ConfigError(`custom.sluice.throttle.routes.${key}: no route '${key}' in this service (routes: ${[...routeKeys].sort().join(', ')})`);
    routes[key] = {
      ...(limits.rateLimit !== undefined ? { ThrottlingRateLimit: limits.rateLimit } : {}),
      ...(limits.burstLimit !== undefined ? { ThrottlingBurstLimit: limits.burstLimit } : {}),
    };
  }
  if (Object.keys(routes).length > 0) properties.RouteSettings = { ...(isPlainObject(properties.RouteSettings) ? properties.RouteSettings : {}), ...routes };
}
