import { describe, expect, it } from 'vitest';
import { describeRequest, redactUrl } from '../../lib/agents/http/describeRequest.js';
import { resolveRequestUrl } from '../../lib/agents/http/resolveRequestUrl.js';
import { backoffDelayMs, parseRetryAfter } from '../../lib/agents/http/retryPolicy.js';
import { httpConnectionSchemas, httpSettingsSchema } from '../../lib/config/connections/httpSettings.js';

describe('httpSettingsSchema', () => {
  it('applies the defaults', () => {
    expect(httpSettingsSchema.parse({ type: 'http', baseUrl: 'https://api.example.com/v1' })).toEqual({
      type: 'http',
      baseUrl: 'https://api.example.com/v1',
      timeoutSeconds: 30,
      maxResponseBytes: 10 * 1024 * 1024,
      retries: { attempts: 3, baseDelayMs: 200, maxDelayMs: 10_000 },
      allowPrivateNetwork: false,
      allowCidrs: [],
    });
    expect(httpConnectionSchemas.http).toBe(httpSettingsSchema);
  });

  it('takes secret references for credentials and header values, and numbers written as strings', () => {
    const parsed = httpSettingsSchema.parse({
      type: 'http',
      baseUrl: 'http://10.0.0.5:8080/',
      headers: { 'X-Tenant': { env: 'TENANT' }, Accept: 'application/json' },
      auth: { type: 'oauth2', tokenUrl: 'https://auth.example.com/token', clientId: 'app', clientSecret: { ssm: '/crm/secret' }, scope: 'read write' },
      timeoutSeconds: '10',
      retries: { attempts: 1 },
      allowCidrs: ['10.0.0.0/24'],
    });
    expect(parsed.headers?.['X-Tenant']).toEqual({ env: 'TENANT' });
    expect(parsed.auth).toMatchObject({ type: 'oauth2', clientSecret: { ssm: '/crm/secret' }, clientAuth: 'basic' });
    expect(parsed.timeoutSeconds).toBe(10);
    expect(parsed.retries).toEqual({ attempts: 1, baseDelayMs: 200, maxDelayMs: 10_000 });
  });

  it.each([
    ['an unknown key', { baseUrl: 'https://a.example', timeout: 5 }],
    ['an unknown auth key', { baseUrl: 'https://a.example', auth: { type: 'bearer', token: 't', extra: 1 } }],
    ['an unknown auth type', { baseUrl: 'https://a.example', auth: { type: 'digest', token: 't' } }],
    ['a non-http baseUrl', { baseUrl: 'ftp://a.example/' }],
    ['a baseUrl with credentials', { baseUrl: 'https://user:pw@a.example/' }],
    ['a bad header name', { baseUrl: 'https://a.example', headers: { 'bad header': 'x' } }],
    ['a bad CIDR', { baseUrl: 'https://a.example', allowCidrs: ['10.0.0.0/40'] }],
    ['zero attempts', { baseUrl: 'https://a.example', retries: { attempts: 0 } }],
    ['a secret reference without a source', { baseUrl: 'https://a.example', auth: { type: 'bearer', token: {} } }],
    ['a baseUrl with an empty query', { baseUrl: 'https://a.example/v1?' }],
    ['a baseUrl with a fragment', { baseUrl: 'https://a.example/v1#top' }],
  ])('refuses %s', (_what, raw) => {
    expect(httpSettingsSchema.safeParse({ type: 'http', ...raw }).success).toBe(false);
  });

  it('refuses a query string in baseUrl (it would be dropped from every request), saying where it goes instead', () => {
    const result = httpSettingsSchema.safeParse({ type: 'http', baseUrl: 'https://api.example.com/v1?api_key=k' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['baseUrl'], message: expect.stringMatching(/must not have a query string.*auth.*paths/) });
  });

  it.each(['env', 'ssm', 'secretsManager', 'json'])('refuses a default header named %s: it cannot be told from a secret reference', (name) => {
    const result = httpSettingsSchema.safeParse({ type: 'http', baseUrl: 'https://a.example', headers: { [name]: 'HOME' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['headers', name], message: expect.stringMatching(/cannot be told from a secret reference/) });
    expect(httpSettingsSchema.parse({ type: 'http', baseUrl: 'https://a.example', headers: { [`X-${name}`]: 'HOME' } }).headers).toEqual({ [`X-${name}`]: 'HOME' });
  });
});

describe('resolveRequestUrl', () => {
  const base = new URL('https://api.example.com/v1/');
  const resolve = (path: string) => {
    const result = resolveRequestUrl(base, path);
    return 'url' in result ? result.url.href : `refused: ${result.refused}`;
  };

  it.each([
    ['items', 'https://api.example.com/v1/items'],
    ['/items?x=1#frag', 'https://api.example.com/v1/items?x=1'],
    ['./items:batchGet', 'https://api.example.com/v1/items:batchGet'],
    ['a/./b/../c', 'https://api.example.com/v1/a/c'],
    ['', 'https://api.example.com/v1/'],
    ['https://api.example.com/v1/x', 'https://api.example.com/v1/x'],
  ])('%s → %s', (path, expected) => {
    expect(resolve(path)).toBe(expected);
  });

  it.each(['../x', 'a/../../x', '%2E%2E/x', '..%2fx/../../y', '//evil.example/v1/', 'https://evil.example/v1/', 'http://api.example.com/v1/', 'https://api.example.com/v2/', 'https://api.example.com:444/v1/', 'data:text/plain,hi', 'items:batchGet'])(
    'refuses %s',
    (path) => {
      expect(resolve(path)).toMatch(/^refused: /);
    },
  );

  it('keeps a base without trailing slash as a directory', () => {
    const result = resolveRequestUrl(new URL('https://h.example/v1'), 'x');
    expect('url' in result && result.url.pathname).toBe('/v1/x');
    expect('refused' in resolveRequestUrl(new URL('https://h.example/v1'), '../v10/x')).toBe(true);
  });
});

describe('describeRequest / redactUrl', () => {
  it('shows query names only in the operation, redacts credential-like values in URLs', () => {
    const url = new URL('https://u:p@h.example/v1/x?page=2&access_token=abc&X-Amz-Signature=def&apiKey=k&q=a#f');
    expect(describeRequest('GET', url)).toBe('GET /v1/x?page&access_token&X-Amz-Signature&apiKey&q');
    expect(redactUrl(url)).toBe('https://h.example/v1/x?page=2&access_token=REDACTED&X-Amz-Signature=REDACTED&apiKey=REDACTED&q=a');
  });
});

describe('retryPolicy', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { baseDelayMs: 200, maxDelayMs: 1000 };
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, policy, () => 0.5))).toEqual([100, 200, 400, 500]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });
});
