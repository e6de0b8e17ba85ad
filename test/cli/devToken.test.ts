/**
 * The examples' routes are protected (serverless.yml: JWT authorizer
 * `examples`, on the embedded runtime's dev issuer while SLUICE_JWT_ISSUER is
 * unset): the runtime started on the repository's own service, called over
 * real HTTP with the tokens the real `sluice token` binary prints, and with
 * tokens it must refuse.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER_URL } from '../../lib/config/httpAuthorizers.js';
import { mintDevToken } from '../../lib/embedded/runtime/mintDevToken.js';
import { DEV_JWT_KEY_FILE, readDevJwtKey } from '../../lib/embedded/runtime/resolveDevJwtKey.js';
import { EXAMPLES_CONFIG, startHarness, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { runSluice } from './runSluice.js';

/** What the CLI and the runtime read: nothing of a real issuer, so the examples stay on the dev issuer. */
const NO_ISSUER = { SLUICE_JWT_ISSUER: undefined, SLUICE_JWT_AUDIENCE: undefined, SLUICE_STAGE: undefined };

describe('the examples\' routes: protected by the dev issuer, called with `sluice token`', () => {
  const files = mkdtempSync(join(tmpdir(), 'sluice-devtoken-files-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-devtoken-data-'));
  let h: Harness;

  const start = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_FILES_DIR: files };
    for (const name of ['SLUICE_WAREHOUSE_URL', ...Object.keys(NO_ISSUER)]) delete env[name];
    return startHarness({ configPath: EXAMPLES_CONFIG, env, dataDir });
  };
  const sluiceToken = async (...args: string[]) => {
    const run = await runSluice(['token', '--data-dir', dataDir, ...args], NO_ISSUER);
    expect(run.code, run.stderr).toBe(0);
    return run.stdout.trim();
  };
  /** A one-day landing: the cheapest real work behind a protected route. */
  const land = (headers: Record<string, string>, path = '/flights/landings') => h.call(path, { method: 'POST', json: { from: '2001-01-02', to: '2001-01-02' }, auth: false, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const landTasks = async () => (await h.call('/sluice/tasks?process=land-flights')).body.items as unknown[];

  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(files, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a call without a token, or with one it must not trust, with a 401, before any task exists', async () => {
    const none = await land({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body).toEqual({ error: 'Unauthorized', message: 'Unauthorized' });

    // The same claims `sluice token` signs, signed by another key (same kid: the signature decides).
    const devKey = readDevJwtKey(dataDir);
    const other = (await generateKeyPair('ES256')).privateKey;
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: devKey.privateJwk.kid }).setIssuer(DEV_ISSUER_URL).setAudience('sluice-examples').setSubject('mallory').setIssuedAt().setExpirationTime('1h').sign(other);
    expect((await land(bearer(forged))).status).toBe(401);

    // The dev key's signature, but another issuer.
    const devSigner = await importJWK(devKey.privateJwk, 'ES256');
    const otherIssuer = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: devKey.privateJwk.kid }).setIssuer('https://issuer.example.com').setAudience('sluice-examples').setIssuedAt().setExpirationTime('1h').sign(devSigner);
    expect((await land(bearer(otherIssuer))).status).toBe(401);

    // `sluice token` for another audience.
    expect((await land(bearer(await sluiceToken('--audience', 'another-app')))).status).toBe(401);

    // Signed by the dev key for the right audience, but expired an hour ago.
    const expired = await mintDevToken(devKey, { audience: 'sluice-examples', subject: 'late', scopes: [], ttlSeconds: 3600, now: Date.now() - 2 * 3600_000 });
    expect((await land(bearer(expired))).status).toBe(401);

    // API Gateway's claim rules: `aud` decides when present (`client_id` only without it), `exp` is required,
    // `iat` must not be ahead, and the header's `kid` must name a key of the set.
    const claims = (extra: Record<string, unknown>) => new SignJWT(extra).setIssuer(DEV_ISSUER_URL).setSubject('mallory');
    const kid = { alg: 'ES256', kid: devKey.privateJwk.kid };
    const wrongAud = await claims({ client_id: 'sluice-examples' }).setProtectedHeader(kid).setAudience('someone-else').setIssuedAt().setExpirationTime('1h').sign(devSigner);
    expect((await land(bearer(wrongAud))).status).toBe(401);
    const clientIdOnly = await claims({ client_id: 'sluice-examples' }).setProtectedHeader(kid).setIssuedAt().setExpirationTime('1h').sign(devSigner);
    const noExp = await claims({}).setProtectedHeader(kid).setAudience('sluice-examples').setIssuedAt().sign(devSigner);
    expect((await land(bearer(noExp))).status).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const futureIat = await claims({}).setProtectedHeader(kid).setAudience('sluice-examples').setIssuedAt(future).setExpirationTime(future + 3600).sign(devSigner);
    expect((await land(bearer(futureIat))).status).toBe(401);
    const noKid = await claims({}).setProtectedHeader({ alg: 'ES256' }).setAudience('sluice-examples').setIssuedAt().setExpirationTime('1h').sign(devSigner);
    expect((await land(bearer(noKid))).status).toBe(401);
    const otherKid = await claims({}).setProtectedHeader({ alg: 'ES256', kid: 'not-the-dev-key' }).setAudience('sluice-examples').setIssuedAt().setExpirationTime('1h').sign(devSigner);
    expect((await land(bearer(otherKid))).status).toBe(401);

    // A malformed one, and the right token sent without its scheme in another header.
    expect((await land(bearer('not.a.jwt'))).status).toBe(401);
    expect((await land({ 'x-token': await sluiceToken() })).status).toBe(401);

    expect(await landTasks()).toEqual([]);
    // `client_id` stands for the audience when there is no `aud` (a Cognito access token).
    expect((await land(bearer(clientIdOnly))).status).toBe(200);
  });

  it('runs the process for the token `sluice token` prints: the dev issuer, the authorizer\'s audience, the subject and lifetime asked for', async () => {
    const token = await sluiceToken('--sub', 'alice', '--ttl', '15m');
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    expect(header).toMatchObject({ alg: 'ES256', kid: readDevJwtKey(dataDir).privateJwk.kid });
    expect(claims).toMatchObject({ iss: DEV_ISSUER_URL, aud: 'sluice-examples', sub: 'alice' });
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(claims.scope).toBeUndefined();

    const res = await land(bearer(token));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ days: ['2001-01-02'] });
    const record = await h.task(res.headers.get('x-sluice-task-id')!);
    expect(record.status).toBe('succeeded');
    // (What ctx.payload.auth holds for a JWT route is test/embedded/runtime/authorizers.test.ts's; a sync task keeps no payload.)
    expect(record.trigger).toMatchObject({ type: 'http', route: '/flights/landings' });

    // Every example route takes it (the synchronous export answers 404 for an airport the empty warehouse lacks: the process ran).
    const exportOne = await h.call('/exports/airport-delays/SFO', { method: 'POST', auth: false, headers: bearer(token) });
    expect(exportOne.status).toBe(404);
    expect(exportOne.body.error).toMatchObject({ name: 'UnknownAirport' });
  });

  it('enforces the scopes a route asks for: 403 without one of them, 200 with', async () => {
    const created = await h.call('/sluice/triggers', {
      method: 'POST',
      json: { process: 'land-flights', kind: 'http', method: 'POST', path: '/scoped/landings', authorizer: { name: 'examples', scopes: ['flights.land', 'flights.admin'] } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await land({}, '/scoped/landings')).status).toBe(401);
    expect((await land(bearer(await sluiceToken()), '/scoped/landings')).status).toBe(403);
    expect((await land(bearer(await sluiceToken('--scope', 'flights.read')), '/scoped/landings')).status).toBe(403);
    const scoped = await sluiceToken('--scope', 'flights.read flights.land', '--scope', 'other');
    expect(decodeJwt(scoped).scope).toBe('flights.read flights.land other');
    const res = await land(bearer(scoped), '/scoped/landings');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('refuses a runtime route carved out of a protected static route (409): it would take its requests past the authorizer', async () => {
    // POST /exports/airport-delays/{iata} is a static, JWT-protected example route.
    const carved = await h.call('/sluice/triggers', { method: 'POST', json: { process: 'airport-delays', kind: 'http', method: 'POST', path: '/exports/airport-delays/JFK', mode: 'async' } });
    expect(carved.status).toBe(409);
    expect(carved.body.message).toContain("'POST /exports/airport-delays/{iata}'");
    const unprotected = await h.call('/exports/airport-delays/JFK', { method: 'POST', json: {}, auth: false });
    expect(unprotected.status).toBe(401);
  });

  it('keeps the dev key private (0600 in a 0700 directory) and the same across restarts: a token minted before still works', async () => {
    const file = join(dataDir, DEV_JWT_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const before = readFileSync(file, 'utf8');
    const token = await sluiceToken();
    await h.stop();
    h = await start();
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await land(bearer(token))).status).toBe(200);
  });

  it('says what is missing: no dev key in the data directory (exit 4), a service that trusts a real issuer (exit 64)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sluice-devtoken-empty-'));
    try {
      const noKey = await runSluice(['token', '--data-dir', empty], NO_ISSUER);
      expect(noKey.code).toBe(4);
      expect(noKey.stdout).toBe('');
      expect(noKey.stderr).toContain(`no dev key at ${join(empty, DEV_JWT_KEY_FILE)}`);
      expect(noKey.stderr).toContain('npm start');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const real = await runSluice(['token', '--data-dir', dataDir], { ...NO_ISSUER, SLUICE_JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf' });
    expect(real.code).toBe(64);
    expect(real.stderr).toContain("'examples' trusts https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf");
    const badTtl = await runSluice(['token', '--data-dir', dataDir, '--ttl', '31d'], NO_ISSUER);
    expect(badTtl.code).toBe(64);
    expect(badTtl.stderr).toContain('expected a duration');
    for (const flag of ['--audience', '--sub']) {
      const empty = await runSluice(['token', '--data-dir', dataDir, flag, ''], NO_ISSUER);
      expect(empty.code, flag).toBe(64);
      expect(empty.stdout).toBe('');
      expect(empty.stderr).toContain('expected a non-empty value');
    }
  });
});
