import { DEV_ISSUER_URL, isDevIssuer, type AuthorizerManifest } from '../config/httpAuthorizers.js';
import { ConfigError } from '../core/errors.js';

/** Hosts API Gateway can never fetch an issuer's keys from: reserved never to resolve (RFC 6761), or this machine. */
const UNREACHABLE_HOST = /(^|\.)(invalid|localhost)$|^127\.\d+\.\d+\.\d+$|^\[::1\]$/i;

/**
 * Checks the JWT authorizers for AWS, at package time: an issuer API Gateway
 * cannot reach — the embedded runtime's dev issuer ({@link DEV_ISSUER_URL},
 * whose keys are a dev key pair in a data directory, never packaged), a
 * `.invalid` or loopback host — is an error, not a warning: the deploy would
 * succeed and every protected route would then answer 401 to every caller,
 * which no one deploys on purpose (as a `pglite` connection, it is a
 * setting of the embedded runtime that has no meaning on AWS).
 *
 * @throws {ConfigError} naming `provider.httpApi.authorizers.<name>.issuerUrl`
 */
export function assertAwsAuthorizers(authorizers: readonly AuthorizerManifest[]): void {
  for (const authorizer of authorizers) {
    if (authorizer.type !== 'jwt') continue;
    const place = `provider.httpApi.authorizers.${authorizer.name}.issuerUrl`;
    const fix = 'point it at your issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<user pool id>; Auth0, Okta, ...: the issuer of your tokens) and set audience to what its tokens carry; the repository\'s examples read both from SLUICE_JWT_ISSUER and SLUICE_JWT_AUDIENCE';
    if (isDevIssuer(authorizer.issuerUrl)) {
      throw new ConfigError(`${place}: ${DEV_ISSUER_URL} is the embedded runtime's dev issuer (its key lives in the local data directory and is never deployed); API Gateway could not verify any token and every protected route would answer 401: ${fix}`);
    }
    if (UNREACHABLE_HOST.test(new URL(authorizer.issuerUrl).hostname)) {
      throw new ConfigError(`${place}: API Gateway cannot reach ${authorizer.issuerUrl} to fetch the issuer's keys, so every protected route would answer 401: ${fix}`);
    }
  }
}
