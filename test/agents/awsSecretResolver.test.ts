import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsSecretResolver } from '../../lib/agents/secrets/AwsSecretResolver.js';
import { resolveSecretRefs } from '../../lib/agents/secrets/resolveSecretRefs.js';
import { ConfigError, sluiceErrorKind } from '../../lib/core/errors.js';

/**
 * Just enough of SSM (`AmazonSSM.GetParameter`) and Secrets Manager
 * (`secretsmanager.GetSecretValue`) over the JSON 1.1 protocol for the real
 * SDK clients: neither fauxqs nor DynamoDB Local emulates them.
 */
interface Recorded {
  target: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

const parameters = new Map<string, string>([
  ['/sluice/prod/warehouse-password', 'pg-secret-1'],
  ['/sluice/prod/api-token', 'token-2'],
]);
const secrets = new Map<string, { SecretString?: string; SecretBinary?: string }>([
  ['prod/warehouse', { SecretString: JSON.stringify({ username: 'loader', password: 'rds-secret-3', port: 5432, extra: { a: 1 } }) }],
  ['prod/plain', { SecretString: 'plain-secret-4' }],
  ['prod/binary', { SecretBinary: Buffer.from('binary-secret-5').toString('base64') }],
]);
/** Targets answered with a 500 (a transient AWS failure). */
const failing = new Set<string>();

let server: Server;
let endpoint: string;
const requests: Recorded[] = [];

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(target: string, body: Record<string, unknown>): { status: number; json: unknown } {
  if (failing.has(target)) return { status: 500, json: { __type: 'InternalServerError', message: 'try again' } };
  if (target === 'AmazonSSM.GetParameter') {
    const name = String(body.Name);
    const value = parameters.get(name);
    if (value === undefined) return { status: 400, json: { __type: 'ParameterNotFound' } };
    return { status: 200, json: { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1, ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`, DataType: 'text' } } };
  }
  if (target === 'secretsmanager.GetSecretValue') {
    const id = String(body.SecretId);
    const secret = secrets.get(id);
    if (secret === undefined) return { status: 400, json: { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." } };
    return { status: 200, json: { ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`, Name: id, VersionId: 'v1', VersionStages: ['AWSCURRENT'], ...secret } };
  }
  return { status: 400, json: { __type: 'UnknownOperationException' } };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const target = String(request.headers['x-amz-target']);
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push({ target, contentType: request.headers['content-type'], body });
      const { status, json } = answer(target, body);
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  failing.clear();
});

function resolverFor(options: { maxAgeSeconds?: number } = {}): AwsSecretResolver {
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sluicelocal', secretAccessKey: 'sluicelocal' }, maxAttempts: 1 };
  return new AwsSecretResolver({ ...options, ssmClient: new SSMClient(config), secretsManagerClient: new SecretsManagerClient(config) });
}

const PLACE = 'custom.sluice.connections.warehouse.password';

describe('AwsSecretResolver', () => {
  it('reads an SSM parameter with decryption', async () => {
    const resolver = resolverFor();

    const value = await resolver.resolve({ ssm: '/sluice/prod/warehouse-password' }, PLACE);

    expect(value).toBe('pg-secret-1');
    expect(requests).toEqual([{ target: 'AmazonSSM.GetParameter', contentType: 'application/x-amz-json-1.1', body: { Name: '/sluice/prod/warehouse-password', WithDecryption: true } }]);
  });

  it('reads a Secrets Manager secret, whole or one key of its JSON', async () => {
    const resolver = resolverFor();

    expect(await resolver.resolve({ secretsManager: 'prod/plain' }, PLACE)).toBe('plain-secret-4');
    expect(await resolver.resolve({ secretsManager: 'prod/warehouse', json: 'password' }, PLACE)).toBe('rds-secret-3');
    expect(await resolver.resolve({ secretsManager: 'prod/warehouse', json: 'port' }, PLACE)).toBe('5432');
    expect(await resolver.resolve({ secretsManager: 'prod/binary' }, PLACE)).toBe('binary-secret-5');

    expect(requests.map((request) => [request.target, request.body])).toEqual([
      ['secretsmanager.GetSecretValue', { SecretId: 'prod/plain' }],
      ['secretsmanager.GetSecretValue', { SecretId: 'prod/warehouse' }],
      // The second key of the same secret comes from the cache.
      ['secretsmanager.GetSecretValue', { SecretId: 'prod/binary' }],
    ]);
  });

  it('caches per resolver: a second resolution does not ask again', async () => {
    const resolver = resolverFor();

    await resolver.resolve({ ssm: '/sluice/prod/api-token' }, PLACE);
    await resolver.resolve({ ssm: '/sluice/prod/api-token' }, 'custom.sluice.connections.crm.auth.token');
    await resolver.resolve({ secretsManager: 'prod/plain' }, PLACE);
    await resolver.resolve({ secretsManager: 'prod/plain' }, PLACE);

    expect(requests.map((request) => request.target)).toEqual(['AmazonSSM.GetParameter', 'secretsmanager.GetSecretValue']);
  });

  it('shares one request between concurrent resolutions of a name', async () => {
    const resolver = resolverFor();

    const values = await Promise.all([1, 2, 3].map(() => resolver.resolve({ ssm: '/sluice/prod/api-token' }, PLACE)));

    expect(values).toEqual(['token-2', 'token-2', 'token-2']);
    expect(requests).toHaveLength(1);
  });

  it('reads again when caching is off (maxAgeSeconds 0) or the cache is cleared', async () => {
    const uncached = resolverFor({ maxAgeSeconds: 0 });
    await uncached.resolve({ ssm: '/sluice/prod/api-token' }, PLACE);
    await uncached.resolve({ ssm: '/sluice/prod/api-token' }, PLACE);
    expect(requests).toHaveLength(2);

    const cached = resolverFor();
    await cached.resolve({ ssm: '/sluice/prod/api-token' }, PLACE);
    cached.clearCache();
    await cached.resolve({ ssm: '/sluice/prod/api-token' }, PLACE);
    expect(requests).toHaveLength(4);
  });

  describe('errors name the place and the name, never a value', () => {
    async function failure(promise: Promise<unknown>): Promise<Error> {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      const text = JSON.stringify([String(error), String((error as Error).cause)]);
      for (const value of ['pg-secret-1', 'token-2', 'rds-secret-3', 'plain-secret-4', 'loader']) expect(text).not.toContain(value);
      return error as Error;
    }

    it('a missing SSM parameter is a ConfigError', async () => {
      const error = await failure(resolverFor().resolve({ ssm: '/sluice/prod/missing' }, PLACE));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(`${PLACE}: SSM parameter /sluice/prod/missing could not be read: ParameterNotFound`);
    });

    it('a missing secret is a ConfigError', async () => {
      const error = await failure(resolverFor().resolve({ secretsManager: 'prod/missing' }, PLACE));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(`${PLACE}: Secrets Manager secret prod/missing could not be read: ResourceNotFoundException: Secrets Manager can't find the specified secret.`);
    });

    it('concurrent resolutions that share a failed request each name their own place', async () => {
      const resolver = resolverFor();

      const errors = await Promise.all(['a', 'b'].map((name) => failure(resolver.resolve({ ssm: '/sluice/prod/missing' }, `custom.sluice.connections.${name}.password`))));

      expect(errors.map((error) => error.message)).toEqual([
        'custom.sluice.connections.a.password: SSM parameter /sluice/prod/missing could not be read: ParameterNotFound',
        'custom.sluice.connections.b.password: SSM parameter /sluice/prod/missing could not be read: ParameterNotFound',
      ]);
      expect(requests).toHaveLength(1);
    });

    it('a secret that is not JSON, or lacks the key, is a ConfigError that does not quote it', async () => {
      const resolver = resolverFor();
      const notJson = await failure(resolver.resolve({ secretsManager: 'prod/plain', json: 'password' }, PLACE));
      expect(notJson).toBeInstanceOf(ConfigError);
      expect(notJson.message).toBe(`${PLACE}: Secrets Manager secret prod/plain is not JSON, so json: password cannot be read from it`);

      const noKey = await failure(resolver.resolve({ secretsManager: 'prod/warehouse', json: 'token' }, PLACE));
      expect(noKey.message).toBe(`${PLACE}: Secrets Manager secret prod/warehouse has no value at key token`);
      const notText = await failure(resolver.resolve({ secretsManager: 'prod/warehouse', json: 'extra' }, PLACE));
      expect(notText.message).toBe(`${PLACE}: Secrets Manager secret prod/warehouse has a non-text value at key extra`);
    });

    it('a transient AWS failure is a retriable SluiceError, not a ConfigError', async () => {
      failing.add('AmazonSSM.GetParameter');
      const error = await failure(resolverFor().resolve({ ssm: '/sluice/prod/api-token' }, PLACE));
      expect(sluiceErrorKind(error)).toBe('SluiceError');
      expect(error.message).toMatch(new RegExp(`^${PLACE.replaceAll('.', '\\.')}: SSM parameter /sluice/prod/api-token could not be read: `));
    });

    it('an env-only reference is a ConfigError on AWS', async () => {
      const error = await failure(resolverFor().resolve({ env: 'WAREHOUSE_PASSWORD' }, PLACE));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(`${PLACE}: on AWS a secret reference needs ssm or secretsManager; env WAREHOUSE_PASSWORD is read by the embedded runtime only`);
      expect(requests).toHaveLength(0);
    });
  });

  it('resolves every reference of a settings object through resolveSecretRefs', async () => {
    const settings = {
      type: 'postgres',
      url: 'postgres://loader@db.internal/warehouse',
      password: { secretsManager: 'prod/warehouse', json: 'password' },
      auth: { token: { ssm: '/sluice/prod/api-token' } },
    };

    const resolved = await resolveSecretRefs(settings, resolverFor(), 'custom.sluice.connections.warehouse');

    expect(resolved).toEqual({ type: 'postgres', url: 'postgres://loader@db.internal/warehouse', password: 'rds-secret-3', auth: { token: 'token-2' } });
    const error = await resolveSecretRefs({ auth: { token: { ssm: '/nope' } } }, resolverFor(), 'custom.sluice.connections.crm').catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toMatch(/^custom\.sluice\.connections\.crm\.auth\.token: SSM parameter \/nope could not be read/);
  });
});
