import { describe, expect, it } from 'vitest';
import { checkAwsRuntimeRoute } from '../../../lib/aws/router/checkAwsRuntimeRoute.js';
import type { HttpRouteManifest } from '../../../lib/config/ServiceManifest.js';
import { ValidationError } from '../../../lib/core/errors.js';
import { httpTriggerSpec } from '../../../lib/core/triggers/TriggerSpec.js';
import { staticRouteTaking } from '../../../lib/http/staticRouteTaking.js';

const spec = (fields: Record<string, unknown>) => httpTriggerSpec.parse({ kind: 'http', ...fields });
const statics: HttpRouteManifest[] = [
  { method: 'GET', path: '/orders/{id}' },
  { method: 'ANY', path: '/files/{path+}' },
  { method: 'POST', path: '/hooks/stripe' },
];

describe('checkAwsRuntimeRoute (what the catch-all route cannot serve)', () => {
  it('refuses an authorizer (400): the catch-all route has none', () => {
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/a', authorizer: 'aws_iam' }))).toThrow(ValidationError);
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/a', authorizer: { name: 'cognito' } }))).toThrow(/cannot have an authorizer/);
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/reports/{name}' }))).not.toThrow();
  });

  it('refuses / (400): {proxy+} does not match the root', () => {
    expect(() => checkAwsRuntimeRoute(spec({ method: 'GET', path: '/' }))).toThrow(ValidationError);
  });
});

describe('staticRouteTaking (both runtimes refuse a runtime route carved out of a static one)', () => {
  it('leaves routes no static route matches, or that a static route wins on both runtimes', () => {
    for (const ok of [
      { method: 'GET', path: '/reports/{name}' },
      // Same shape as a static route, another method: API Gateway sends POST to the catch-all.
      { method: 'POST', path: '/orders/{id}' },
      // Less specific than the static one: the static route wins its requests on both runtimes.
      { method: 'ANY', path: '/orders/{id}' },
      { method: 'GET', path: '/hooks/{name}' },
    ] as const) {
      expect(staticRouteTaking(ok, statics), `${ok.method} ${ok.path}`).toBeUndefined();
    }
  });

  it('names the less specific static route that matches the same requests', () => {
    expect(staticRouteTaking({ method: 'GET', path: '/orders/today' }, statics)).toMatchObject({ method: 'GET', path: '/orders/{id}' });
    expect(staticRouteTaking({ method: 'PUT', path: '/files/a/{b}' }, statics)).toMatchObject({ method: 'ANY', path: '/files/{path+}' });
    expect(staticRouteTaking({ method: 'ANY', path: '/orders/latest' }, statics)).toMatchObject({ path: '/orders/{id}' });
  });
});
