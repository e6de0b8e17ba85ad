import { buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpConnection } from '../../lib/agents/http/createHttpConnection.js';
import type { Connector, LookupFunction } from '../../lib/agents/http/guardedDispatcher.js';
import type { HttpConnectionOptions } from '../../lib/agents/http/HttpConnection.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import { type TestServer, httpSettings, httpTestScope, recordingConnector, startTestServer } from './httpTestScope.js';

/**
 * The SSRF guard end to end. No connection in this file may go anywhere but
 * 127.0.0.1: vectors that point at loopback target our own server (a broken
 * guard would only reach it, and its socket count shows it); every other
 * range goes through an injected lookup and a connector that records the
 * attempt and throws, so the assertion is "the guard refused before the
 * connector was asked".
 */
const HOST = { kind: 'embedded', serviceDir: '/tmp' } as const;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server(handler: Parameters<typeof startTestServer>[0] = (_req, res) => res.end('reached')): Promise<TestServer> {
  const started = await startTestServer(handler);
  cleanups.push(() => started.close());
  return started;
}

function agent(settings: Record<string, unknown>, options?: HttpConnectionOptions) {
  const connection = createHttpConnection('api', httpSettings({ retries: { attempts: 1 }, ...settings }), HOST, options);
  cleanups.push(() => connection.close());
  return connection.forTask(httpTestScope());
}

/** A lookup from a fixed table; names outside it do not resolve. */
function fakeLookup(table: Record<string, string[]>): LookupFunction & { asked: string[] } {
  const asked: string[] = [];
  const lookup: LookupFunction = async (hostname) => {
    asked.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

/** Connects for real only to 127.0.0.1 (our servers); records every request for a socket. */
function loopbackOnlyConnector(): Connector & { attempts: string[] } {
  const real = buildConnector({});
  const attempts: string[] = [];
  const connector: Connector = (options, callback) => {
    attempts.push(options.hostname);
    if (options.hostname !== '127.0.0.1') {
      callback(new Error(`test connector: refusing ${options.hostname}`), null);
      return;
    }
    real(options, callback);
  };
  return Object.assign(connector, { attempts });
}

describe('SSRF guard: loopback vectors against our own server', () => {
  it.each([
    (port: number) => `http://127.0.0.1:${port}`,
    (port: number) => `http://2130706433:${port}`,
    (port: number) => `http://0x7f000001:${port}`,
    (port: number) => `http://0177.0.0.1:${port}`,
    (port: number) => `http://127.1:${port}`,
    (port: number) => `http://[::1]:${port}`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}`,
    (port: number) => `http://localhost:${port}`,
    (port: number) => `http://127.0.0.1.:${port}`,
  ])('refuses %s with no socket opened', async (vector) => {
    const target = await server();
    const baseUrl = vector(target.port);
    await expect(agent({ baseUrl }).fetch('/'), baseUrl).rejects.toBeInstanceOf(AgentRefusedError);
    expect(target.connections).toBe(0);
  });

  it('refuses a name whose lookup answers 127.0.0.1', async () => {
    const target = await server();
    const lookup = fakeLookup({ 'internal.example': ['127.0.0.1'] });
    const failure = agent({ baseUrl: `http://internal.example:${target.port}` }, { lookup }).fetch('/');
    await expect(failure).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(failure).rejects.toThrow(/internal\.example resolves to 127\.0\.0\.1, a loopback address/);
    expect(lookup.asked).toContain('internal.example');
    expect(target.connections).toBe(0);
  });

  it.each([
    { allowPrivateNetwork: true },
    { allowCidrs: ['127.0.0.0/8'] },
  ])('lets the local server through with %o', async (policy) => {
    const target = await server();
    for (const baseUrl of [target.origin, `http://2130706433:${target.port}`, `http://0x7f000001:${target.port}`, `http://127.1:${target.port}`, `http://[::ffff:127.0.0.1]:${target.port}`]) {
      expect(await (await agent({ baseUrl, ...policy }).fetch('/')).text(), baseUrl).toBe('reached');
    }
    const lookup = fakeLookup({ 'internal.example': ['127.0.0.1'] });
    expect(await (await agent({ baseUrl: `http://internal.example:${target.port}`, ...policy }, { lookup }).fetch('/')).text()).toBe('reached');
  });
});

describe('SSRF guard: other ranges, through a connector that records and throws', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'cloudMetadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'cloudMetadata'],
    ['http://[::ffff:169.254.169.254]/', 'cloudMetadata'],
    ['http://[::ffff:a9fe:a9fe]/', 'cloudMetadata'],
    ['http://2852039166/', 'cloudMetadata'], // 169.254.169.254 as one decimal
    ['http://10.0.0.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://[fe80::1]/', 'linkLocal'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'cloudMetadata'],
    ['http://[2002:a00:1::]/', 'private'],
    ['https://169.254.169.254/', 'cloudMetadata'],
  ])('refuses literal %s (%s) before the connector is asked', async (baseUrl, range) => {
    const connector = recordingConnector();
    const failure = agent({ baseUrl }, { connector }).fetch('/');
    await expect(failure).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(failure).rejects.toThrow(new RegExp(`a ${range} address`));
    expect(connector.attempts).toEqual([]);
  });

  it.each([
    ['metadata.example', ['169.254.169.254']],
    ['metadata6.example', ['fd00:ec2::254']],
    ['mapped.example', ['::ffff:169.254.169.254']],
    ['intranet.example', ['10.1.2.3']],
    ['router.example', ['192.168.0.1']],
    ['cgnat.example', ['100.64.1.1']],
    ['multicast.example', ['239.1.1.1']],
    ['zero.example', ['0.0.0.0']],
    ['mixed.example', ['93.184.216.34', '10.0.0.1']],
    ['mixed6.example', ['2606:4700::1', 'fe80::1']],
  ])('refuses %s answering %o before the connector is asked', async (hostname, answers) => {
    const connector = recordingConnector();
    const lookup = fakeLookup({ [hostname]: answers });
    await expect(agent({ baseUrl: `https://${hostname}/` }, { connector, lookup }).fetch('/')).rejects.toBeInstanceOf(AgentRefusedError);
    expect(lookup.asked).toEqual([hostname]);
    expect(connector.attempts).toEqual([]);
  });

  it('connects a public name to the address it checked (no second resolution), keeping the name for TLS', async () => {
    const connector = recordingConnector();
    const lookup = fakeLookup({ 'api.example': ['93.184.216.34'] });
    // The recording connector throws: the call fails as a connection error, after one attempt.
    await expect(agent({ baseUrl: 'https://api.example/' }, { connector, lookup }).fetch('/')).rejects.toBeInstanceOf(AgentError);
    expect(connector.attempts).toEqual([{ hostname: '93.184.216.34', port: '' }]);
    expect(lookup.asked).toEqual(['api.example']);
  });

  it('tries the next checked address when connecting to one fails, never an unchecked one', async () => {
    const connector = recordingConnector();
    const lookup = fakeLookup({ 'api.example': ['2606:4700::1', '93.184.216.34'] });
    await expect(agent({ baseUrl: 'http://api.example:8080/' }, { connector, lookup }).fetch('/')).rejects.toBeInstanceOf(AgentError);
    expect(connector.attempts).toEqual([
      { hostname: '2606:4700::1', port: '8080' },
      { hostname: '93.184.216.34', port: '8080' },
    ]);
  });

  it('an unresolvable name is a connection error (retriable), with no socket', async () => {
    const connector = recordingConnector();
    const failure = agent({ baseUrl: 'http://nowhere.example/' }, { connector, lookup: fakeLookup({}) }).fetch('/');
    await expect(failure).rejects.toThrow(/nowhere\.example did not resolve/);
    await expect(failure).rejects.not.toBeInstanceOf(AgentRefusedError);
    expect(connector.attempts).toEqual([]);
  });
});

describe('SSRF guard on redirects', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[::ffff:169.254.169.254]/',
    'http://10.0.0.1/admin',
    'http://internal.example/admin',
  ])('refuses a redirect to %s', async (location) => {
    const target = await server((_req, res) => {
      res.writeHead(302, { location });
      res.end();
    });
    const connector = loopbackOnlyConnector();
    const lookup = fakeLookup({ 'internal.example': ['192.168.10.10'] });
    const failure = agent({ baseUrl: target.origin, allowCidrs: ['127.0.0.1/32'] }, { connector, lookup }).fetch('/start');
    await expect(failure).rejects.toBeInstanceOf(AgentRefusedError);
    expect(connector.attempts).toEqual(['127.0.0.1']);
    expect(target.requests).toHaveLength(1);
  });

  it('checks a redirect to another origin with the guard, and follows one it allows without the connection\'s credentials', async () => {
    const landing = await server((req, res) => res.end(JSON.stringify({ auth: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null, tenant: req.headers['x-tenant'] ?? null, cookie: req.headers.cookie ?? null })));
    const start = await server((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${landing.port}/landing` });
      res.end();
    });
    // Guard on, start allowed by an exact CIDR, localhost resolved by the injected lookup to a blocked address.
    const blocked = agent({ baseUrl: start.origin, allowCidrs: ['127.0.0.1/32'] }, { lookup: fakeLookup({ localhost: ['::1'] }) });
    await expect(blocked.fetch('/')).rejects.toBeInstanceOf(AgentRefusedError);
    expect(landing.connections).toBe(0);

    // The other origin passes the guard: followed, but the connection's credentials and headers stay home.
    const allowed = agent(
      { baseUrl: start.origin, allowCidrs: ['127.0.0.1/32'], auth: { type: 'apiKey', header: 'x-api-key', value: 'k' }, headers: { 'x-tenant': 't1' } },
      { lookup: fakeLookup({ localhost: ['127.0.0.1'] }) },
    );
    const response = await allowed.fetch('/', { headers: { authorization: 'Bearer from-logic', cookie: 'sid=1' } });
    expect(response.redirected).toBe(true);
    expect(await response.json()).toEqual({ auth: null, key: null, tenant: null, cookie: null });
    expect(start.requests[1]?.headers).toMatchObject({ 'x-api-key': 'k', 'x-tenant': 't1', authorization: 'Bearer from-logic' });
  });

  it('allowPrivateNetwork opens the connection\'s origin only: a redirect to another loopback origin needs allowCidrs', async () => {
    // Stands for the Lambda Runtime API at 127.0.0.1:9001, one redirect away from an allowed private base.
    const runtimeApi = await server();
    const start = await server((req, res) => {
      if (req.url === '/landing') {
        res.end('home');
        return;
      }
      res.writeHead(302, { location: req.url === '/home' ? '/landing' : `http://127.0.0.1:${runtimeApi.port}/2018-06-01/runtime/invocation/next` });
      res.end();
    });
    const failure = agent({ baseUrl: start.origin, allowPrivateNetwork: true }).fetch('/away');
    await expect(failure).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(failure).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(runtimeApi.connections).toBe(0);
    // A same-origin redirect stays open...
    expect(await (await agent({ baseUrl: start.origin, allowPrivateNetwork: true }).fetch('/home')).text()).toBe('home');
    expect(start.requests.map((request) => request.url)).toEqual(['/away', '/home', '/landing']);
    // ...and an exact allowCidrs entry opens the other origin.
    expect(await (await agent({ baseUrl: start.origin, allowPrivateNetwork: true, allowCidrs: ['127.0.0.1/32'] }).fetch('/away')).text()).toBe('reached');
    expect(runtimeApi.requests).toHaveLength(1);
  });

  it('refuses a redirect to a non-http(s) scheme', async () => {
    const target = await server((_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    });
    await expect(agent({ baseUrl: target.origin, allowCidrs: ['127.0.0.1/32'] }).fetch('/')).rejects.toThrow(/a redirect to a file: URL/);
  });
});
