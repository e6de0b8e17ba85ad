import { describe, expect, it } from 'vitest';
import { EnvSecretResolver } from '../../lib/agents/secrets/EnvSecretResolver.js';
import { resolveSecretRefs } from '../../lib/agents/secrets/resolveSecretRefs.js';
import { isSecretRef } from '../../lib/config/connections/secretRef.js';
import { smtpSettingsSchema } from '../../lib/config/connections/mailSettings.js';
import type { SecretRef, SecretResolver } from '../../lib/core/agents/SecretResolver.js';
import { ConfigError } from '../../lib/core/errors.js';

const PLACE = 'custom.sluice.connections.warehouse.password';

describe('EnvSecretResolver', () => {
  const resolver = new EnvSecretResolver({ WAREHOUSE_PASSWORD: 's3cret', EMPTY: '' });

  it('reads the variable a reference names', async () => {
    expect(await resolver.resolve({ env: 'WAREHOUSE_PASSWORD' }, PLACE)).toBe('s3cret');
  });

  it('refuses an unset or empty variable, naming the place and the variable', async () => {
    await expect(resolver.resolve({ env: 'MISSING' }, PLACE)).rejects.toThrow(new ConfigError(`${PLACE}: environment variable MISSING is not set`));
    await expect(resolver.resolve({ env: 'EMPTY' }, PLACE)).rejects.toThrow(new ConfigError(`${PLACE}: environment variable EMPTY is empty`));
    await expect(resolver.resolve({ env: 'MISSING' }, PLACE)).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses a reference without env (ssm and secretsManager are for AWS)', async () => {
    await expect(resolver.resolve({ ssm: '/sluice/prod/pw' }, PLACE)).rejects.toThrow(`${PLACE}: the embedded runtime reads secrets from environment variables, and this reference has ssm /sluice/prod/pw but no env`);
    await expect(resolver.resolve({ secretsManager: 'prod/db', json: 'password' }, PLACE)).rejects.toThrow(/has secretsManager prod\/db but no env/);
  });

  it('reads process.env by default', async () => {
    process.env.SLUICE_TEST_SECRET_RESOLUTION = 'from-process';
    try {
      expect(await new EnvSecretResolver().resolve({ env: 'SLUICE_TEST_SECRET_RESOLUTION' }, PLACE)).toBe('from-process');
    } finally {
      delete process.env.SLUICE_TEST_SECRET_RESOLUTION;
    }
  });
});

describe('isSecretRef (by shape)', () => {
  it.each([
    [{ env: 'X' }, true],
    [{ ssm: '/a' }, true],
    [{ secretsManager: 'a', json: 'k' }, true],
    [{ json: 'k' }, false],
    [{}, false],
    [{ env: 'X', other: 1 }, false],
    [{ env: 1 }, false],
    [['env'], false],
    ['plain', false],
    [null, false],
  ])('%j → %s', (value, expected) => {
    expect(isSecretRef(value)).toBe(expected);
  });
});

/** Resolves `env` references from a map, recording each call; fails for names starting with 'BAD'. */
function recordingResolver(values: Record<string, string>) {
  const calls: Array<{ ref: SecretRef; place: string }> = [];
  const resolver: SecretResolver = {
    async resolve(ref, place) {
      calls.push({ ref, place });
      if (ref.env?.startsWith('BAD')) throw new ConfigError(`${place}: environment variable ${ref.env} is not set`);
      return values[ref.env ?? ''] ?? 'unset';
    },
  };
  return { resolver, calls };
}

describe('resolveSecretRefs', () => {
  it('replaces every reference at any depth, in arrays too, and leaves the rest (and the input) as they are', async () => {
    const settings = {
      type: 'http',
      baseUrl: 'https://api.example.com',
      timeoutSeconds: 10,
      auth: { kind: 'bearer', token: { env: 'TOKEN' } },
      headers: [{ name: 'X-Key', value: { env: 'KEY' } }, { name: 'X-Plain', value: 'plain' }],
      password: { env: 'PW' },
      retry: null,
    };
    const { resolver, calls } = recordingResolver({ TOKEN: 't', KEY: 'k', PW: 'p' });

    const resolved = await resolveSecretRefs(settings, resolver, 'custom.sluice.connections.crm');

    expect(resolved).toEqual({
      type: 'http',
      baseUrl: 'https://api.example.com',
      timeoutSeconds: 10,
      auth: { kind: 'bearer', token: 't' },
      headers: [{ name: 'X-Key', value: 'k' }, { name: 'X-Plain', value: 'plain' }],
      password: 'p',
      retry: null,
    });
    expect(calls.map((call) => call.place).sort()).toEqual([
      'custom.sluice.connections.crm.auth.token',
      'custom.sluice.connections.crm.headers[0].value',
      'custom.sluice.connections.crm.password',
    ]);
    expect(settings.auth.token).toEqual({ env: 'TOKEN' });
    // The type follows: a resolved reference is a string.
    const token: string = resolved.auth.token;
    expect(token).toBe('t');
  });

  it('resolves the references in parallel', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const resolver: SecretResolver = {
      async resolve(ref, place) {
        started.push(place);
        if (started.length === 3) release();
        await gate;
        return ref.env!;
      },
    };

    const resolved = await resolveSecretRefs({ a: { env: 'A' }, b: { env: 'B' }, c: [{ env: 'C' }] }, resolver, 'x');

    expect(resolved).toEqual({ a: 'A', b: 'B', c: ['C'] });
  });

  it('resolves settings that are a reference themselves', async () => {
    const { resolver } = recordingResolver({ PW: 'p' });
    expect(await resolveSecretRefs({ env: 'PW' } as SecretRef, resolver, PLACE)).toBe('p');
  });

  it("rethrows one failure as it is: its message names the reference's exact path", async () => {
    const { resolver } = recordingResolver({});

    await expect(resolveSecretRefs({ auth: { token: { env: 'BAD_TOKEN' } }, user: { env: 'USER' } }, resolver, 'custom.sluice.connections.warehouse')).rejects.toThrow(
      new ConfigError('custom.sluice.connections.warehouse.auth.token: environment variable BAD_TOKEN is not set'),
    );
  });

  it('lists every failure when several references fail', async () => {
    const { resolver } = recordingResolver({});

    const error: unknown = await resolveSecretRefs({ password: { env: 'BAD_PW' }, hosts: [{ key: { env: 'BAD_KEY' } }] }, resolver, 'c.w').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('2 secrets could not be resolved: c.w.password: environment variable BAD_PW is not set; c.w.hosts[0].key: environment variable BAD_KEY is not set');
  });

  it('works on parsed connection settings (the SMTP password)', async () => {
    const settings = smtpSettingsSchema.parse({ type: 'smtp', url: 'smtp://user@smtp.example.com', password: { env: 'SMTP_PASSWORD' } });

    const resolved = await resolveSecretRefs(settings, new EnvSecretResolver({ SMTP_PASSWORD: 'pw' }), 'custom.sluice.connections.alerts');

    expect(resolved.password).toBe('pw');
  });
});
