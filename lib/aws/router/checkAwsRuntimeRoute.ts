import { ValidationError } from '../../core/errors.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';

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
 *
 * (A route where a static route takes its requests first is refused on both
 * runtimes by `checkTriggerSpec`: see `staticRouteTaking`.)
 *
 * @throws {ValidationError}
 */
export function checkAwsRuntimeRoute(spec: Extract<TriggerSpec, { kind: 'http' }>): void {
  if (spec.authorizer !== undefined) {
    const message = 'on AWS a runtime route cannot have an authorizer: runtime routes are served through the HTTP API\'s catch-all route, which has none; declare the route in serverless.yml with its authorizer';
    throw new ValidationError(`invalid http trigger: authorizer: ${message}`, [{ path: 'authorizer', message }]);
  }
  if (spec.path === '/') {
    const message = 'on AWS runtime routes are served through the catch-all route /{proxy+}, which does not match /; declare / in serverless.yml';
    throw new ValidationError(`invalid http trigger: path: ${message}`, [{ path: 'path', message }]);
  }
}
