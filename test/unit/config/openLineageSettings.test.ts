import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import { parseSluiceSettings } from '../../../lib/config/sluiceSettings.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { serviceYaml, TempServices } from './tempService.js';

const temp = new TempServices();
afterAll(() => temp.removeAll());

function refusal(openlineage: unknown): string {
  try {
    parseSluiceSettings({ openlineage });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('custom.sluice.openlineage', () => {
  it('is read from serverless.yml, the key as a secret reference', async () => {
    const yaml = serviceYaml(
      '  a:\n    handler: functions/a.handler',
      'custom:\n  sluice:\n    openlineage:\n      url: http://marquez:5000\n      apiKey: { env: OPENLINEAGE_API_KEY }\n      namespace: shop',
    );
    const manifest = await loadServiceManifest({ configPath: temp.create(yaml), env: {} });
    expect(manifest.settings.openlineage).toEqual({ url: 'http://marquez:5000', apiKey: { env: 'OPENLINEAGE_API_KEY' }, namespace: 'shop' });
  });

  it('is absent unless set', () => {
    expect(parseSluiceSettings({}).openlineage).toBeUndefined();
    expect(parseSluiceSettings({ openlineage: { url: 'https://lineage.example.com', endpoint: 'api/v1/lineage' } }).openlineage).toEqual({
      url: 'https://lineage.example.com',
      endpoint: 'api/v1/lineage',
    });
  });

  it.each([
    [{ url: 'ftp://marquez' }, 'http(s) URL'],
    [{ url: 'marquez:5000' }, 'http(s) URL'],
    [{ url: 'https://user:key@lineage.example.com' }, 'without credentials'],
    [{}, 'url'],
    [{ url: 'http://marquez:5000', apiKey: 'plain-text-key' }, 'apiKey'],
    [{ url: 'http://marquez:5000', endpoint: 'api?x=1' }, 'must be a path'],
  ])('refuses %j', (openlineage, message) => {
    expect(refusal(openlineage)).toContain(message);
  });

  it('refuses unknown keys, naming the closest', () => {
    expect(refusal({ url: 'http://marquez:5000', apikey: { env: 'K' } })).toContain("custom.sluice.openlineage: unknown key 'apikey' (did you mean 'apiKey'?)");
  });
});
