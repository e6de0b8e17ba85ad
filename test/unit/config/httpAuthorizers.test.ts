import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { TempServices } from './tempService.js';

const temp = new TempServices();
afterAll(() => temp.removeAll());

const service = (authorizers: string, route: string, extra = '') => `service: s
provider:
  name: aws
  runtime: nodejs20.x
  httpApi:
    cors: true
    authorizers:
${authorizers}
${extra}functions:
  a:
    handler: functions/a.handler
    events:
      - httpApi: ${route}
  gate:
    handler: functions/gate.handler
    sluice: false
`;
const JWT = '      users: { type: jwt, identitySource: $request.header.Authorization, issuerUrl: https://issuer.test, audience: [app] }';
const files = ['functions/a.ts', 'functions/gate.ts'];

async function loadError(yaml: string): Promise<string> {
  try {
    await loadServiceManifest({ configPath: temp.create(yaml, files), env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('HTTP API authorizers in serverless.yml', () => {
  it('reads JWT, Lambda and IAM authorizers onto their routes', async () => {
    const manifest = await loadServiceManifest({
      configPath: temp.create(service(`${JWT}\n      gate: { type: request, functionName: gate, enableSimpleResponses: true, identitySource: [$request.header.X-Key], resultTtlInSeconds: 30 }`, '{ method: GET, path: /me, authorizer: { name: users, scopes: [read] } }'), files),
      env: {},
    });
    expect(manifest.authorizers.map((a) => [a.name, a.type])).toEqual([['users', 'jwt'], ['gate', 'request']]);
    expect(manifest.authorizers[1]).toMatchObject({ handler: { export: 'handler', declared: 'functions/gate.handler' }, resultTtlInSeconds: 30, payloadVersion: '2.0' });
    expect(manifest.processes[0]!.http).toEqual([{ method: 'GET', path: '/me', authorizer: { kind: 'jwt', name: 'users', scopes: ['read'] } }]);
    const iam = await loadServiceManifest({ configPath: temp.create(service(JWT, '{ method: POST, path: /x, authorizer: { type: aws_iam } }'), files), env: {} });
    expect(iam.processes[0]!.http[0]!.authorizer).toEqual({ kind: 'iam' });
  });

  it.each([
    [JWT, '{ method: GET, path: /me, authorizer: { name: nobody } }', "no authorizer 'nobody'"],
    ['      users: { type: jwt, identitySource: $request.header.Authorization, audience: [app] }', "'GET /x'", 'provider.httpApi.authorizers.users.issuerUrl'],
    ['      users: { type: jwt, identitySource: $request.header.Authorization, issuerUrl: https://i.test }', "'GET /x'", 'provider.httpApi.authorizers.users.audience'],
    ['      users: { type: jwt, issuerUrl: https://i.test, audience: [a] }', "'GET /x'", 'provider.httpApi.authorizers.users.identitySource: required'],
    ['      users: { type: jwt, identitySource: $request.header.Authorization, issuerUrl: https://i.test, audience: [a], issuer: x }', "'GET /x'", 'issuer'],
    ['      users: { type: oauth, issuerUrl: https://i.test }', "'GET /x'", 'provider.httpApi.authorizers.users.type'],
    ['      gate: { type: request, functionName: missing }', "'GET /x'", "no function 'missing'"],
    ['      gate: { type: request, functionName: gate, resultTtlInSeconds: 60 }', "'GET /x'", 'requires identity sources'],
    ['      gate: { type: request, functionName: gate, enableSimpleResponses: true, payloadVersion: "1.0" }', "'GET /x'", 'simple responses need'],
    ['      gate: { type: request, functionName: gate }', '{ method: GET, path: /x, authorizer: { name: gate, scopes: [a] } }', 'only JWT authorizers check scopes'],
    [JWT, '{ method: GET, path: /x, authorizer: { id: abc123 } }', 'cannot be run by the embedded runtime'],
  ])('refuses %s / %s naming the key', async (authorizers, route, message) => {
    expect(await loadError(service(authorizers, route))).toContain(message);
  });

  it('refuses local keys for an authorizer that is not a JWT one, or with both a file and a URL', async () => {
    expect(await loadError(service(JWT, "'GET /x'", 'custom:\n  sluice:\n    authorizers:\n      other: { jwksFile: k.json }\n'))).toContain("custom.sluice.authorizers.other: no JWT authorizer 'other'");
    expect(await loadError(service(JWT, "'GET /x'", 'custom:\n  sluice:\n    authorizers:\n      users: { jwksFile: k.json, jwksUrl: "https://k.test/jwks" }\n'))).toContain('exactly one of jwksFile and jwksUrl');
  });
});
