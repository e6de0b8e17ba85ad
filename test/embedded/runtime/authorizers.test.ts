import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/auth/serverless.yml');
const CREDENTIALS = { accessKeyId: 'AKIASLUICETEST000001', secretAccessKey: 'sluice-test-secret-key-000000000000000001' };

/** SHA-256 for SignatureV4 in the test (the signer the caller would use). */
class Sha256 {
  #h;
  constructor(secret?: string | Uint8Array) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array) {
    this.#h.update(data);
  }
  async digest() {
    return new Uint8Array(this.#h.digest());
  }
  reset() {}
}

/** Routes protected on AWS are protected on the embedded runtime too: JWT (local JWKS and OIDC discovery), Lambda and IAM authorizers. */
describe('HTTP API authorizers on the embedded runtime', () => {
  let h: Harness;
  let keys: Server;
  let url: string;
  let userKey: CryptoKey;
  let partnerKey: CryptoKey;
  let partnerEcKey: CryptoKey;
  let otherKey: CryptoKey;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    const user = await generateKeyPair('RS256');
    const partner = await generateKeyPair('RS384');
    // The issuer also publishes an EC key: API Gateway verifies RSA signatures only, so a token it signs is refused.
    const partnerEc = await generateKeyPair('ES256');
    partnerEcKey = partnerEc.privateKey;
    userKey = user.privateKey;
    partnerKey = partner.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const userJwks = { keys: [{ ...(await exportJWK(user.publicKey)), kid: 'u1', alg: 'RS256', use: 'sig' }] };
    const partnerJwks = {
      keys: [
        { ...(await exportJWK(partner.publicKey)), kid: 'p1', alg: 'RS384', use: 'sig' },
        { ...(await exportJWK(partnerEc.publicKey)), kid: 'p2', alg: 'ES256', use: 'sig' },
      ],
    };
    keys = createServer((req, res) => {
      const base = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
      const body = req.url === '/users/jwks.json' ? userJwks : req.url === '/partners/.well-known/openid-configuration' ? { issuer: `${base}/partners`, jwks_uri: `${base}/partners/keys` } : req.url === '/partners/keys' ? partnerJwks : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((done) => keys.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
    // The IAM check signs with this machine's credential chain: the test's static keys.
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    h = await startHarness({ configPath: CONFIG, env: { ...process.env, TEST_JWKS_URL: `${base}/users/jwks.json`, TEST_ISSUER_URL: `${base}/partners` } });
    url = h.url;
  });
  afterAll(async () => {
    await h?.stop();
    keys?.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  const token = (key: CryptoKey, claims: Record<string, unknown>, options: { alg?: string; kid?: string; issuer?: string; audience?: string; expires?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'u1' })
      .setIssuer(options.issuer ?? 'https://issuer.sluice.test')
      .setAudience(options.audience ?? 'sluice-tests')
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(key);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('lets an unprotected route through, with no auth', async () => {
    expect(await get('/open')).toEqual({ status: 200, body: { auth: null, body: null } });
  });

  it('verifies JWTs from a local JWKS: signature, issuer, audience, expiry, scopes', async () => {
    const good = await token(userKey, { sub: 'alice', scope: 'orders.read profile' });
    const ok = await get('/me', { authorization: `Bearer ${good}` });
    expect(ok.status).toBe(200);
    expect(ok.body.auth).toMatchObject({ type: 'jwt', claims: { sub: 'alice', iss: 'https://issuer.sluice.test' }, scopes: ['orders.read', 'profile'] });
    // Without the Bearer prefix too, as API Gateway.
    expect((await get('/me', { authorization: good })).status).toBe(200);
    expect((await get('/me')).status).toBe(401);
    expect((await get('/me', { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    expect((await get('/me', { authorization: `Bearer ${await token(otherKey, { scope: 'orders.read' })}` })).status).toBe(401);
    expect((await get('/me', { authorization: `Bearer ${await token(userKey, { scope: 'orders.read' }, { issuer: 'https://evil.test' })}` })).status).toBe(401);
    expect((await get('/me', { authorization: `Bearer ${await token(userKey, { scope: 'orders.read' }, { audience: 'someone-else' })}` })).status).toBe(401);
    expect((await get('/me', { authorization: `Bearer ${await token(userKey, { scope: 'orders.read' }, { expires: '-1m' })}` })).status).toBe(401);
    // A Cognito access token: no aud, client_id instead.
    const access = await new SignJWT({ client_id: 'sluice-tests', scope: 'orders.admin' }).setProtectedHeader({ alg: 'RS256', kid: 'u1' }).setIssuer('https://issuer.sluice.test').setExpirationTime('5m').sign(userKey);
    expect((await get('/me', { authorization: access })).status).toBe(200);
    // API Gateway reads `client_id` only without `aud`; it requires `exp`, an `iat` not ahead, and a `kid` of the key set.
    const signed = (build: SignJWT, header: { kid?: string } = { kid: 'u1' }) => build.setProtectedHeader({ alg: 'RS256', ...header }).setIssuer('https://issuer.sluice.test').sign(userKey);
    const me = async (jwt: string) => (await get('/me', { authorization: jwt })).status;
    expect(await me(await signed(new SignJWT({ client_id: 'sluice-tests', scope: 'orders.read' }).setAudience('someone-else').setExpirationTime('5m')))).toBe(401);
    expect(await me(await signed(new SignJWT({ scope: 'orders.read' }).setAudience('sluice-tests')))).toBe(401);
    expect(await me(await signed(new SignJWT({ scope: 'orders.read' }).setAudience('sluice-tests').setIssuedAt(Math.floor(Date.now() / 1000) + 365 * 86_400).setExpirationTime('2y')))).toBe(401);
    expect(await me(await signed(new SignJWT({ scope: 'orders.read' }).setAudience('sluice-tests').setExpirationTime('5m'), {}))).toBe(401);
    expect(await me(await signed(new SignJWT({ scope: 'orders.read' }).setAudience('sluice-tests').setExpirationTime('5m'), { kid: 'p1' }))).toBe(401);
    expect(await me(await signed(new SignJWT({ scope: 'orders.read' }).setAudience('sluice-tests').setExpirationTime('5m')))).toBe(200);
    // A valid token without any of the route's scopes: 403.
    const noScope = await get('/me', { authorization: `Bearer ${await token(userKey, { scp: ['profile'] })}` });
    expect(noScope.status).toBe(403);
  });

  it('finds an issuer\'s keys through OIDC discovery', async () => {
    const partnerIssuer = `http://127.0.0.1:${(keys.address() as AddressInfo).port}/partners`;
    const jwt = await token(partnerKey, { sub: 'partner-1' }, { alg: 'RS384', kid: 'p1', issuer: partnerIssuer, audience: 'partner-app' });
    const ok = await get('/partner', { authorization: `Bearer ${jwt}` });
    expect(ok.status).toBe(200);
    expect(ok.body.auth.claims.sub).toBe('partner-1');
    expect((await get('/partner', { authorization: `Bearer ${await token(userKey, { sub: 'x' }, { issuer: partnerIssuer, audience: 'partner-app' })}` })).status).toBe(401);
    // Signed by the issuer's own EC key, otherwise valid: refused, as API Gateway (RSA only) would refuse it.
    const ec = await token(partnerEcKey, { sub: 'partner-1' }, { alg: 'ES256', kid: 'p2', issuer: partnerIssuer, audience: 'partner-app' });
    expect((await get('/partner', { authorization: `Bearer ${ec}` })).status).toBe(401);
  });

  it('runs a Lambda authorizer of the service, caches its answer per identity, and maps its failures', async () => {
    expect((await get('/gated')).status).toBe(401); // no identity source: the authorizer is not called
    const first = await get('/gated', { 'x-api-key': 'let-me-in' });
    expect(first.status).toBe(200);
    expect(first.body.auth).toMatchObject({ type: 'lambda', context: { tier: 'gold', routeKey: 'GET /gated' } });
    const second = await get('/gated', { 'x-api-key': 'let-me-in' });
    expect(second.body.auth.context.calls).toBe(first.body.auth.context.calls); // cached (resultTtlInSeconds 60)
    expect((await get('/gated', { 'x-api-key': 'wrong' })).status).toBe(403);
    expect((await get('/gated', { 'x-api-key': 'boom' })).status).toBe(500);
  });

  it('accepts IAM routes signed (SigV4, execute-api) by this machine\'s credentials, and nothing else', async () => {
    const signed = async (credentials: typeof CREDENTIALS, body: string) => {
      const { host, pathname } = new URL(`${url}/signed`);
      const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'execute-api', sha256: Sha256 as never });
      const request = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host.split(':')[0]!, port: Number(host.split(':')[1]), path: pathname, headers: { host, 'content-type': 'application/json' }, body });
      return fetch(`${url}/signed`, { method: 'POST', headers: request.headers as Record<string, string>, body });
    };
    const ok = await signed(CREDENTIALS, '{"n":1}');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ auth: { type: 'iam', accessKey: CREDENTIALS.accessKeyId }, body: { n: 1 } });
    expect((await signed({ ...CREDENTIALS, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret-00' }, '{"n":1}')).status).toBe(403);
    expect((await signed({ ...CREDENTIALS, accessKeyId: 'AKIASOMEONEELSE00001' }, '{"n":1}')).status).toBe(403);
    expect((await fetch(`${url}/signed`, { method: 'POST', body: '{}' })).status).toBe(403);
  });

  it('protects a route created at run time with a declared authorizer, and refuses an unknown one', async () => {
    const auth = { authorization: 'Bearer test-token-0123456789abcdef', 'content-type': 'application/json' };
    const created = await fetch(`${url}/sluice/triggers`, { method: 'POST', headers: auth, body: JSON.stringify({ process: 'whoami', kind: 'http', method: 'GET', path: '/runtime-me', authorizer: { name: 'users', scopes: ['orders.read'] } }) });
    expect(created.status).toBe(201);
    expect((await get('/runtime-me')).status).toBe(401);
    const ok = await get('/runtime-me', { authorization: `Bearer ${await token(userKey, { sub: 'bob', scope: 'orders.read' })}` });
    expect(ok.status).toBe(200);
    expect(ok.body.auth.claims.sub).toBe('bob');
    const unknown = await fetch(`${url}/sluice/triggers`, { method: 'POST', headers: auth, body: JSON.stringify({ process: 'whoami', kind: 'http', method: 'GET', path: '/x', authorizer: { name: 'nobody' } }) });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain("no authorizer 'nobody'");
  });
});
