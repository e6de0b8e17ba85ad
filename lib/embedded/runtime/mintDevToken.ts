import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { DEV_ISSUER_URL } from '../../config/httpAuthorizers.js';
import { DEV_JWT_ALG, type DevJwtKey } from './resolveDevJwtKey.js';

export interface DevTokenClaims {
  /** `iss`: the authorizer's `issuerUrl` as written (the dev issuer, with or without a trailing `/`); default {@link DEV_ISSUER_URL}. */
  issuer?: string;
  /** `aud`: one of the authorizer's audiences. */
  audience: string;
  /** `sub`. */
  subject: string;
  /** `scope` (space-separated, as OAuth 2.0 and API Gateway read it); none: no `scope` claim. */
  scopes: readonly string[];
  /** Lifetime in seconds (`exp` = `iat` + this). */
  ttlSeconds: number;
  /** Unix ms; default now. */
  now?: number;
}

/**
 * A JWT of the dev issuer signed by the data directory's dev key: `iss`
 * the dev issuer, `aud`, `sub`, `scope`, `iat`, `exp`, a random
 * `jti`; header `alg` ES256 and the key's `kid`. What `sluice token` prints.
 */
export async function mintDevToken(key: DevJwtKey, claims: DevTokenClaims): Promise<string> {
  const now = Math.floor((claims.now ?? Date.now()) / 1000);
  const signingKey = await importJWK(key.privateJwk, DEV_JWT_ALG);
  return new SignJWT(claims.scopes.length > 0 ? { scope: claims.scopes.join(' ') } : {})
    .setProtectedHeader({ alg: DEV_JWT_ALG, kid: key.privateJwk.kid, typ: 'JWT' })
    .setIssuer(claims.issuer ?? DEV_ISSUER_URL)
    .setAudience(claims.audience)
    .setSubject(claims.subject)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + claims.ttlSeconds)
    .sign(signingKey);
}
