import { describe, expect, it } from 'vitest';
import type { HttpRouteManifest } from '../../../lib/config/ServiceManifest.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { ProcessRouteTable } from '../../../lib/http/ProcessRouteTable.js';

type Route = HttpRouteManifest;
const r = (spec: string): Route => {
  const [method, path] = spec.split(' ') as [Route['method'], string];
  return { method, path };
};

/** Every order of `items` (small lists only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Which declared route a request selects, for every declaration order: all orders must agree. */
function selectAll(routes: string[], method: string, path: string): string | undefined {
  const answers = new Set<string | undefined>();
  for (const order of permutations(routes)) {
    const table = new ProcessRouteTable(order.map((spec) => ({ route: r(spec), target: spec })));
    const match = table.match(method, path);
    answers.add(match.kind === 'route' ? match.target : undefined);
  }
  expect([...answers], `${method} ${path} over ${routes.join(' | ')}`).toHaveLength(1);
  return [...answers][0];
}

describe('ProcessRouteTable: API Gateway HTTP API route selection', () => {
  it('prefers a specific method over ANY on the same path, in every declaration order', () => {
    const routes = ['ANY /pets', 'GET /pets', 'POST /pets'];
    expect(selectAll(routes, 'GET', '/pets')).toBe('GET /pets');
    expect(selectAll(routes, 'POST', '/pets')).toBe('POST /pets');
    expect(selectAll(routes, 'DELETE', '/pets')).toBe('ANY /pets');
    const dynamic = ['ANY /pets/{id}', 'GET /pets/{id}'];
    expect(selectAll(dynamic, 'GET', '/pets/1')).toBe('GET /pets/{id}');
    expect(selectAll(dynamic, 'PUT', '/pets/1')).toBe('ANY /pets/{id}');
  });

  it('selects the most specific path first, before the method: ANY on a more specific path beats GET on a greedy one', () => {
    const routes = ['GET /{proxy+}', 'ANY /pets/{id}', 'GET /pets/{proxy+}'];
    expect(selectAll(routes, 'GET', '/pets/1')).toBe('ANY /pets/{id}');
    expect(selectAll(routes, 'GET', '/pets/1/toys')).toBe('GET /pets/{proxy+}');
    expect(selectAll(routes, 'GET', '/other')).toBe('GET /{proxy+}');
  });

  it('orders static before {param} before {proxy+}, segment by segment', () => {
    const routes = ['GET /a/{x}/c', 'GET /a/b/{y}', 'GET /a/{proxy+}', 'GET /a/b/c'];
    expect(selectAll(routes, 'GET', '/a/b/c')).toBe('GET /a/b/c');
    expect(selectAll(routes, 'GET', '/a/b/d')).toBe('GET /a/b/{y}');
    expect(selectAll(routes, 'GET', '/a/z/c')).toBe('GET /a/{x}/c');
    expect(selectAll(routes, 'GET', '/a/z/d')).toBe('GET /a/{proxy+}');
    expect(selectAll(['GET /{a}/b', 'GET /a/{b}'], 'GET', '/a/b')).toBe('GET /a/{b}');
  });

  it('never lets {param} match across / nor an empty segment; {proxy+} takes one or more segments', () => {
    const table = new ProcessRouteTable([r('GET /files/{name}'), r('GET /tree/{path+}')].map((route) => ({ route, target: route.path })));
    expect(table.match('GET', '/files/a/b')).toEqual({ kind: 'not-found' });
    expect(table.match('GET', '/files/')).toEqual({ kind: 'not-found' });
    expect(table.match('GET', '/files/a')).toMatchObject({ kind: 'route', pathParameters: { name: 'a' } });
    expect(table.match('GET', '/tree/a/b/c')).toMatchObject({ kind: 'route', pathParameters: { path: 'a/b/c' } });
    expect(table.match('GET', '/tree/')).toEqual({ kind: 'not-found' });
    expect(table.match('GET', '/tree')).toEqual({ kind: 'not-found' });
  });

  it('reads a parameter as the start-up check does, whatever its name holds: matched and ranked as a parameter', () => {
    // `{customer:id}` passes the route check (any name without braces or '+'); it must not be matched as literal text.
    expect(selectAll(['GET /c/{customer:id}', 'GET /c/{all+}'], 'GET', '/c/42')).toBe('GET /c/{customer:id}');
    const table = new ProcessRouteTable([{ route: r('GET /c/{customer:id}'), target: 1 }]);
    expect(table.match('GET', '/c/42')).toMatchObject({ kind: 'route', pathParameters: { 'customer:id': '42' } });
  });

  it("the catch-all ('*' = ANY / and ANY /{proxy+}) takes what no other route does, the root included", () => {
    const routes = ['ANY /', 'ANY /{proxy+}', 'POST /orders', 'GET /orders/{id}'];
    expect(selectAll(routes, 'GET', '/')).toBe('ANY /');
    expect(selectAll(routes, 'POST', '/orders')).toBe('POST /orders');
    expect(selectAll(routes, 'GET', '/orders')).toBe('ANY /{proxy+}');
    expect(selectAll(routes, 'GET', '/orders/7')).toBe('GET /orders/{id}');
    expect(selectAll(routes, 'DELETE', '/orders/7')).toBe('ANY /{proxy+}');
  });

  it('is a 404 (not a 405) for a known path with a method it does not declare', () => {
    const table = new ProcessRouteTable([{ route: r('POST /fail'), target: 'fail' }]);
    expect(table.match('GET', '/fail')).toEqual({ kind: 'not-found' });
  });

  it('matches literally: regex characters in a static path are not patterns', () => {
    const table = new ProcessRouteTable([{ route: r('GET /v1.0/items'), target: 'dot' }]);
    expect(table.match('GET', '/v1x0/items')).toEqual({ kind: 'not-found' });
    expect(table.match('GET', '/v1.0/items')).toMatchObject({ kind: 'route', target: 'dot' });
  });

  it('refuses two routes that match the same requests, whatever their parameters are named', () => {
    expect(() => new ProcessRouteTable([r('GET /a/{x}'), r('GET /a/{y}')].map((route) => ({ route, target: 1 })))).toThrow(ConfigError);
    expect(() => new ProcessRouteTable([r('ANY /a'), r('ANY /a')].map((route) => ({ route, target: 1 })))).toThrow(/conflict/);
    expect(() => new ProcessRouteTable([r('GET /a/{x}'), r('POST /a/{y}'), r('GET /a/{x+}')].map((route) => ({ route, target: 1 })))).not.toThrow();
  });
});
