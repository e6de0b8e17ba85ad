import { afterAll, describe, expect, it } from 'vitest';
import { unreachableRoutePath } from '../../../lib/config/assertHttpRoutePath.js';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import { parseProcessEvents } from '../../../lib/config/parseProcessEvents.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { serviceYaml, TempServices } from './tempService.js';

const scope = { region: 'us-east-1', stackName: 'svc-dev', resources: {} };
const routesOf = (route: unknown) => parseProcessEvents('report', [{ httpApi: route }], scope).http;

/** The message of the ConfigError `route` raises. */
function refusal(route: unknown): string {
  try {
    routesOf(route);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(route)} to be refused`);
}

describe('httpApi routes: what API Gateway HTTP API deploys is accepted', () => {
  it.each([
    ['GET /', 'GET', '/'],
    ['GET /pets', 'GET', '/pets'],
    ['get /pets/{petId}', 'GET', '/pets/{petId}'],
    ['POST /a/{x}/b/{y}', 'POST', '/a/{x}/b/{y}'],
    ['ANY /{proxy+}', 'ANY', '/{proxy+}'],
    ['* /files/{key}/{path+}', 'ANY', '/files/{key}/{path+}'],
    ['DELETE /a.b/c-d_e~f:g@h', 'DELETE', '/a.b/c-d_e~f:g@h'],
    ['HEAD /x', 'HEAD', '/x'],
    ['OPTIONS /x', 'OPTIONS', '/x'],
    ['PUT /x', 'PUT', '/x'],
    ['PATCH /x', 'PATCH', '/x'],
    [{ method: 'get', path: '/pets/{id}' }, 'GET', '/pets/{id}'],
  ])('%j', (route, method, path) => {
    expect(routesOf(route)).toEqual([{ method, path }]);
  });

  it("'*' is the catch-all ($default): the root and every path", () => {
    expect(routesOf('*')).toEqual([
      { method: 'ANY', path: '/' },
      { method: 'ANY', path: '/{proxy+}' },
    ]);
  });
});

describe('httpApi routes: what API Gateway HTTP API refuses at deploy is an error naming the function and the route', () => {
  const prefix = 'functions.report.events[0].httpApi: ';
  it.each([
    // Greedy parameter not last.
    ['GET /a/{p+}/b', "route 'GET /a/{p+}/b' would be refused by API Gateway: the greedy parameter '{p+}' must be the last segment"],
    ['GET /{proxy+}/{x}', "the greedy parameter '{proxy+}' must be the last segment"],
    // Repeated parameter names (greedy or not).
    ['GET /a/{x}/{x}', "route 'GET /a/{x}/{x}' would be refused by API Gateway: the parameter name 'x' is used twice"],
    ['GET /{x}/b/{x+}', "the parameter name 'x' is used twice"],
    // Empty or malformed parameters: a parameter is a whole segment.
    ['GET /a/{}', "'{}' is not a path parameter: a parameter is a whole segment, '{name}' or '{name+}'"],
    ['GET /a/{+}', "'{+}' is not a path parameter"],
    ['GET /a/{x', "'{x' is not a path parameter"],
    ['GET /a/x}', "'x}' is not a path parameter"],
    ['GET /a/{x}y', "'{x}y' is not a path parameter"],
    ['GET /a/y{x}', "'y{x}' is not a path parameter"],
    ['GET /{id}.json', "'{id}.json' is not a path parameter"],
    ['GET /a/{x}{y}', "'{x}{y}' is not a path parameter"],
    ['GET /a/{x+y}', "'{x+y}' is not a path parameter"],
    ['GET /a/{{x}}', "'{{x}}' is not a path parameter"],
    // Empty path parts.
    ['GET /a//b', "route 'GET /a//b' would be refused by API Gateway: empty path segment ('//')"],
    ['GET //', 'empty path segment'],
    ['GET /a/', "route 'GET /a/' would be refused by API Gateway: empty path segment (a trailing '/')"],
    // The route key's other parts (checked with the method).
    ['GET a/b', `path "a/b" must start with '/'`],
    ['CONNECT /a', "'CONNECT' is not an HTTP method"],
    ['TRACE /a', "'TRACE' is not an HTTP method"],
    [{ method: 'FETCH', path: '/a' }, "'FETCH' is not an HTTP method"],
    [{ method: 'GET', path: '/a/{p+}/b' }, "route 'GET /a/{p+}/b' would be refused by API Gateway"],
  ])('%j', (route, fragment) => {
    const message = refusal(route);
    expect(message.startsWith(prefix)).toBe(true);
    expect(message).toContain(fragment);
  });
});

describe('the loader refuses such a route before anything starts', () => {
  const temp = new TempServices();
  afterAll(() => temp.removeAll());

  it('names the file, the function and the route', async () => {
    const configPath = temp.create(serviceYaml("  report:\n    handler: functions/a.handler\n    events:\n      - httpApi: 'GET /ok'\n      - httpApi: 'GET /a/{x}/{x}'\n"));
    await expect(loadServiceManifest({ configPath, env: {} })).rejects.toThrow(
      `${configPath}: functions.report.events[1].httpApi: route 'GET /a/{x}/{x}' would be refused by API Gateway: the parameter name 'x' is used twice`,
    );
  });
});

describe('paths no request matches as written: one rule for serverless.yml and runtime routes', () => {
  const temp = new TempServices();
  afterAll(() => temp.removeAll());

  it.each([
    ['/a\u0000b', 'must not contain a control character (U+0000 at index 2)'],
    ['/a%00b', 'must not contain a control character (U+0000, once decoded)'],
    ['/a%2500b', 'must not contain a control character (U+0000, once decoded)'],
    ['/a\u001bb', 'U+001B'],
    ['/a\u007f', 'U+007F'],
    ['/a/../sluice/x', "must not have a '.' or '..' segment"],
    ['/a/%2e%2E/b', "'..' segment"],
    ['/./a', "'.' or '..' segment"],
    ['/a/..', "'..' segment"],
    ['/é', 'must hold only ASCII characters (U+00E9 at index 1)'],
    ['/x/\u{1F600}', 'U+1F600 at index 3'],
  ])('%j', (path, fragment) => {
    expect(unreachableRoutePath(path)).toContain(fragment);
  });

  it('keeps what reaches a route: dots inside a segment, encoded ASCII, every printable character', () => {
    for (const path of ['/a/.well-known', '/a/x..y', '/..a/b.', '/caf%C3%A9', '/a.b/c-d_e~f:g@h', "/!$&'()*+,;=", '/{id}/{rest+}']) expect(unreachableRoutePath(path), path).toBeUndefined();
  });

  it('stops the loader on such a serverless.yml route, naming the function and the route', async () => {
    for (const [route, fragment] of [
      ['"GET /a\\0b"', 'control character'],
      ["'GET /a/../sluice/x'", "'..' segment"],
      ["'GET /é'", 'only ASCII'],
    ] as const) {
      const configPath = temp.create(serviceYaml(`  report:\n    handler: functions/a.handler\n    events:\n      - httpApi: ${route}\n`));
      await expect(loadServiceManifest({ configPath, env: {} })).rejects.toThrow(new RegExp(`functions\\.report: route 'GET [^']+': its path .*${fragment.replace(/[.()]/g, '\\$&')}`));
    }
  });
});
