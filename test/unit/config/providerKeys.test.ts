import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import { PROVIDER_KEYS } from '../../../lib/config/serverlessKeys.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { TempServices } from './tempService.js';

const temp = new TempServices();
afterAll(() => temp.removeAll());

const service = (providerYaml: string) => `service: svc
provider:
  name: aws
  runtime: nodejs22.x
${providerYaml}
functions:
  a:
    handler: functions/a.handler
`;
const load = (providerYaml: string) => loadServiceManifest({ configPath: temp.create(service(providerYaml)), env: {} });

async function loadError(providerYaml: string): Promise<string> {
  try {
    await load(providerYaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('provider keys: a misspelled one is an error naming it and the closest valid key', () => {
  it.each([
    ['  timout: 3', "provider: unknown key 'timout' (did you mean 'timeout'?)"],
    ['  enviroment: { A: b }', "provider: unknown key 'enviroment' (did you mean 'environment'?)"],
    ['  memorysize: 256', "provider: unknown key 'memorysize' (did you mean 'memorySize'?)"],
    ['  regoin: eu-west-1', "provider: unknown key 'regoin' (did you mean 'region'?)"],
    ['  stackname: x', "provider: unknown key 'stackname' (did you mean 'stackName'?)"],
    ['  deploymentBuckett: b', "provider: unknown key 'deploymentBuckett' (did you mean 'deploymentBucket'?)"],
    ['  iamRoleStatement: []', "provider: unknown key 'iamRoleStatement' (did you mean 'iamRoleStatements'?)"],
    ['  frobnicate: 1', "provider: unknown key 'frobnicate'; valid keys: name, stage, region, runtime, timeout"],
  ])('%s', async (providerYaml, fragment) => {
    expect(await loadError(providerYaml)).toContain(fragment);
  });

  it('accepts the keys Sluice reads and the deployment keys of the framework, unresolved when Sluice does not read them', async () => {
    const manifest = await load(
      [
        '  stage: qa',
        '  region: eu-west-1',
        '  timeout: 7',
        '  memorySize: 256',
        '  environment: { A: b }',
        '  stackName: my-stack',
        // Needs AWS to resolve: accepted without being resolved.
        '  deploymentBucket: ${ssm:/bucket/name}',
        '  iam: { role: { statements: [] } }',
        '  tags: { team: data }',
        '  logRetentionInDays: 14',
        '  versionFunctions: false',
        '  httpApi: { cors: true }',
      ].join('\n'),
    );
    expect(manifest.processes[0]).toMatchObject({ name: 'a', timeoutSeconds: 7, memorySizeMb: 256 });
    expect(manifest.lambdaOnlyKeys).toBeUndefined();
  });
});

describe('the provider catalog', () => {
  it("is the framework's provider schema (osls 4, AWS): every key it defines, nothing more but its internal deploymentBucketObject", () => {
    // The AWS provider declares its schema from its constructor; capture what it declares.
    const require = createRequire(import.meta.url);
    const AwsProvider = require('serverless/lib/plugins/aws/provider.js') as new (serverless: unknown, options: unknown) => unknown;
    let declared: { provider: { properties: Record<string, unknown> } } | undefined;
    const configSchemaHandler = new Proxy(
      {},
      { get: (_target, method) => (method === 'defineProvider' ? (_name: string, schema: typeof declared) => void (declared = schema) : () => undefined) },
    );
    new AwsProvider({ service: { provider: { name: 'aws' } }, setProvider() {}, configSchemaHandler, processedInput: { options: {} }, getProvider() {} }, {});
    const framework = Object.keys(declared!.provider.properties).sort();
    const catalog = [...PROVIDER_KEYS.used, ...(PROVIDER_KEYS.framework ?? [])].filter((key) => key !== 'deploymentBucketObject').sort();
    expect(catalog).toEqual([...framework, 'name'].sort());
  });
});
