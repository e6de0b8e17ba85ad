import { describe, expect, it } from 'vitest';
import { checkAwsRuntimeRoute } from '../../../lib/aws/router/checkAwsRuntimeRoute.js';
import type { HttpRouteManifest } from '../../../lib/config/ServiceManifest.js';
import { ConflictError, ValidationError } from '../../../lib/core/errors.js';
import { httpTriggerSpec } from '../../../lib/core/triggers/TriggerSpec.js';

const spec = (fields: Record<string, unknown>) => httpTriggerSpec.parse({ kind: 'http', ...fields });
const statics: HttpRouteManifest[] = [
  { method: 'GET', path: '/orders/{id}' },
  { method: 'ANY', path: '/files/{path+}' },
  { method: 'POST', path: '/hooks/stripe' },
];

describe('checkAwsRuntimeRoute (what the catch-all route cannot serve)', () => {
  it('accepts routes API Gateway leaves to the catch-all', () => {
    for (const ok of [
      { method: 'GET', path: '/reports/{name}' },
      // Same shape as a static route, another method: API Gateway sends POST to the catch-all.
      { method: 'POST', path: '/orders/{id}' },
      // Less specific than the static one, as on the embedded runtime: the static route wins its requests on both.
      { method: 'ANY', path: '/orders/{id}' },
      { method: 'GET', path: '/hooks/{name}' },
    ]) {
      expect(() => checkAwsRuntimeRoute(spec(ok), statics), `${ok.method} ${ok.path}`).not.toThrow();
    }
  });

  it('refuses an authorizer (400): the catch-all route has none', () => {
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/a', authorizer: 'aws_iam' }), [])).toThrow(ValidationError);
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/a', authorizer: { name: 'cognito' } }), [])).toThrow(/cannot have an authorizer/);
  });

  it('refuses / (400): {proxy+} does not match the root', () => {
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/' }), [])).toThrow(ValidationError);
  });

  it('refuses a route a less specific static route would take first on AWS (409, naming it)', () => {
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/orders/today' }), statics)).toThrow(ConflictError);
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/orders/today' }), statics)).toThrow(/'GET \/orders\/\{id\}'/);
    expect(() => checkAwsRuntimeRoute(spec({ method: 'PUT', path: '/files/a/{b}' }), statics)).toThrow(/'ANY \/files\/\{path\+\}'/);
    expect(() => checkAwsRuntimeRoute(spec({ method: 'ANY', path: '/orders/latest' }), statics)).toThrow(ConflictError);
  });
});
