import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE, tightenIfPresent, warnTightened, type OnTightened } from '../sqlite/privateFiles.js';

/** The dev key pair's file in the data directory (a private JWK, mode 0600, like `api-token`). */
export const DEV_JWT_KEY_FILE = 'dev-jwt-key.json';

/** The signing algorithm of the dev key: ECDSA P-256 (small keys and tokens, generated in a millisecond). */
export const DEV_JWT_ALG = 'ES256';

/** A public key of a JSON Web Key Set (RFC 7517). */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: typeof DEV_JWT_ALG;
  use: 'sig';
}

/** The dev key pair: the private JWK (what signs) and the key set that verifies (the public half only). */
export interface DevJwtKey {
  /** Where it is stored. */
  file: string;
  /** The private key as a JWK (`d` included): only `sluice token` reads it. */
  privateJwk: PublicJwk & { d: string };
  /** `{ keys: [public JWK] }`: what the embedded runtime verifies the dev issuer's tokens against. */
  jwks: { keys: PublicJwk[] };
}

/** The data directory holds no dev key (yet): the embedded runtime generates it on its first start. */
export class DevJwtKeyMissingError extends Error {
  override name = 'DevJwtKeyMissingError';
  constructor(readonly file: string) {
    super(`no dev key at ${file}: the embedded runtime generates it when it starts with a JWT authorizer on the dev issuer (npm start); or give the data directory it uses (--data-dir, SLUICE_DATA_DIR)`);
  }
}

/**
 * The dev key pair of the data directory, generated on first use into
 * `<dataDir>/dev-jwt-key.json` (mode 0600 in the owner-only directory,
 * like the API token; an existing file open to group or others is
 * tightened and `onTightened` told) and reused by every later start, so
 * tokens minted before a restart stay valid after it.
 *
 * Only the embedded runtime generates it, and only for a service with a JWT
 * authorizer on {@link DEV_ISSUER_URL}; `sluice token` reads it
 * ({@link readDevJwtKey}). Nothing of it is ever packaged for AWS.
 *
 * @throws when the file exists but is not a dev key (the message names the file)
 */
export function resolveDevJwtKey(options: { dataDir: string; onTightened?: OnTightened }): DevJwtKey {
  const file = join(options.dataDir, DEV_JWT_KEY_FILE);
  const onTightened = options.onTightened ?? warnTightened;
  ensurePrivateDirectory(options.dataDir, onTightened);
  tightenIfPresent(file, onTightened);
  const stored = tryRead(file);
  if (stored !== undefined) return parseKey(file, stored);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JsonWebKey & { x: string; y: string; d: string };
  const privateJwk = { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.x, y: jwk.y, d: jwk.d, kid: thumbprint(jwk.x, jwk.y), alg: DEV_JWT_ALG, use: 'sig' as const };
  try {
    // `wx`: never overwrite a key another process wrote in the meantime (its tokens would all fail).
    writeFileSync(file, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseKey(file, readFileSync(file, 'utf8'));
  }
  return parseKey(file, JSON.stringify(privateJwk));
}

/**
 * Reads the data directory's dev key without ever creating one (a token
 * signed by a key the runtime does not use would only be refused).
 * @throws {DevJwtKeyMissingError} when there is none
 */
export function readDevJwtKey(dataDir: string): DevJwtKey {
  const file = join(dataDir, DEV_JWT_KEY_FILE);
  const stored = tryRead(file);
  if (stored === undefined) throw new DevJwtKeyMissingError(file);
  return parseKey(file, stored);
}

function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseKey(file: string, text: string): DevJwtKey {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(`${file} is not a dev key (not JSON); delete it and restart the embedded runtime to generate a new one`, { cause });
  }
  const strings = ['x', 'y', 'd', 'kid'].every((k) => typeof jwk[k] === 'string' && jwk[k] !== '');
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !strings) throw new Error(`${file} is not a P-256 private JWK; delete it and restart the embedded runtime to generate a new one`);
  const publicJwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string, kid: jwk.kid as string, alg: DEV_JWT_ALG, use: 'sig' };
  return { file, privateJwk: { ...publicJwk, d: jwk.d as string }, jwks: { keys: [publicJwk] } };
}

/** RFC 7638 JWK thumbprint of an EC key: a stable `kid`. */
function thumbprint(x: string, y: string): string {
  return createHash('sha256').update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y })).digest('base64url');
}
