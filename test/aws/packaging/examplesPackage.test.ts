/**
 * `npm run package` on the repository's own examples (serverless.yml), in a
 * copy whose `.sluice/` holds what `npm start` leaves there (the API token,
 * the dev JWT key): the example routes carry their JWT authorizer in the
 * template, with the issuer the deploy names; nothing of the dev key or the
 * data directory reaches the template or a bundle; and the dev issuer
 * itself is refused, naming the key to set.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER_URL } from '../../../lib/config/httpAuthorizers.js';
import { resolveApiToken } from '../../../lib/embedded/runtime/resolveApiToken.js';
import { DEV_JWT_KEY_FILE, resolveDevJwtKey, type DevJwtKey } from '../../../lib/embedded/runtime/resolveDevJwtKey.js';
import { copyService, readTemplate, runPackageScript, type Template, unzip } from './packagedService.js';

const STAGE = `ex${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf';
const AUDIENCE = '4example1client2id3';
/** The examples' other embedded-only default (pglite) is refused on AWS too: a server, never connected to while packaging. */
const WAREHOUSE = 'postgres://etl@warehouse.example.com:5432/warehouse';
const EXAMPLE_ROUTES = ['POST /flights/landings', 'POST /exports/airport-delays', 'POST /exports/airport-delays/{iata}'];

let workDir: string;
let serviceDir: string;
let packageDir: string;
let template: Template;
let devKey: DevJwtKey;
let apiToken: string;
let refused: string;

/** Every file under `dir`, relative paths. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'sluice-examples-package-'));
  serviceDir = path.join(workDir, 'service');
  packageDir = path.join(workDir, 'package');
  copyService(serviceDir, '.');
  // What `npm start` leaves in the service's default data directory.
  const dataDir = path.join(serviceDir, '.sluice');
  devKey = resolveDevJwtKey({ dataDir });
  apiToken = resolveApiToken({ explicit: undefined, env: {}, dataDir });

  // The example as cloned: the dev issuer is refused before anything is built.
  refused = await runPackageScript(serviceDir, ['--stage', STAGE, '--package', path.join(workDir, 'refused')], { SLUICE_WAREHOUSE_URL: WAREHOUSE, SLUICE_JWT_ISSUER: undefined, SLUICE_JWT_AUDIENCE: undefined }).then(
    ({ output }) => `packaged:\n${output}`,
    (error: Error) => error.message,
  );
  await runPackageScript(serviceDir, ['--stage', STAGE, '--package', packageDir], { SLUICE_WAREHOUSE_URL: WAREHOUSE, SLUICE_JWT_ISSUER: ISSUER, SLUICE_JWT_AUDIENCE: AUDIENCE });
  template = readTemplate(packageDir);
}, 300_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the examples, packaged for AWS', () => {
  it('refuse the default (dev) issuer, naming the key and how to set it', () => {
    expect(refused).toContain('npm run package exited with 1');
    expect(refused).toContain(`provider.httpApi.authorizers.examples.issuerUrl: ${DEV_ISSUER_URL} is the embedded runtime's dev issuer`);
    expect(refused).toContain('SLUICE_JWT_ISSUER');
  });

  it("protect every example route with API Gateway's JWT authorizer on the configured issuer and audience", () => {
    const authorizers = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      Name: 'examples',
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: ISSUER, Audience: [AUDIENCE] },
    });
    const routes = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties);
    for (const key of EXAMPLE_ROUTES) {
      const route = routes.find((r) => r.RouteKey === key);
      expect(route, key).toBeDefined();
      expect(route.AuthorizationType, key).toBe('JWT');
      expect(route.AuthorizerId, key).toEqual({ Ref: authorizerId });
    }
    // No process route is left open: the others are the platform API's (IAM, health excepted).
    const open = routes.filter((r) => r.AuthorizationType === undefined).map((r) => r.RouteKey);
    expect(open).toEqual(['GET /sluice/health']);
  });

  it('carry nothing of the data directory: no dev key material, no API token, in the template or any bundle', async () => {
    const secrets = [devKey.privateJwk.d, devKey.privateJwk.x, devKey.privateJwk.kid, apiToken, DEV_ISSUER_URL, DEV_JWT_KEY_FILE];
    // The templates, the framework's state file, and every bundle's files (the bundled catalog included).
    for (const file of filesUnder(packageDir).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(path.join(packageDir, file), 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    const zips = readdirSync(packageDir).filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBeGreaterThan(EXAMPLE_ROUTES.length);
    for (const zip of zips) {
      const into = path.join(workDir, 'unzipped', zip);
      await unzip(path.join(packageDir, zip), into);
      const entries = filesUnder(into);
      expect(entries.filter((e) => e === '.sluice' || e.startsWith(`.sluice${path.sep}`)), zip).toEqual([]);
      for (const entry of entries) {
        const text = readFileSync(path.join(into, entry), 'latin1');
        for (const secret of secrets) expect(text.includes(secret), `${secret} in ${zip}:${entry}`).toBe(false);
      }
    }
  });
});
