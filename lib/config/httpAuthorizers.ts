import { ConfigError } from '../core/errors.js';
import { assertKnownKeys } from './knownKeys.js';
import { isPlainObject } from './VariableResolver.js';

/**
 * An authorizer of `provider.httpApi.authorizers` (the Serverless Framework's
 * syntax for API Gateway HTTP API authorizers,
 * https://www.serverless.com/framework/docs/providers/aws/events/http-api#jwt-authorizers):
 * - `jwt`: API Gateway validates a JWT (issuer's OIDC discovery for the keys,
 *   `iss`, `aud` or `client_id`, `exp`/`nbf`, route scopes);
 * - `request`: a Lambda authorizer, the function `functionName` of this service.
 */
export type AuthorizerManifest =
  | { name: string; type: 'jwt'; identitySource: string; issuerUrl: string; audience: string[] }
  | {
      name: string;
      type: 'request';
      functionName: string;
      /** The authorizer function's module and export (resolved with the service). */
      handler?: { file: string; export: string; declared: string };
      identitySource: string[];
      resultTtlInSeconds: number;
      enableSimpleResponses: boolean;
      payloadVersion: '1.0' | '2.0';
    };

/**
 * The embedded runtime's **dev issuer**: a JWT authorizer whose `issuerUrl` is
 * exactly this has no issuer anywhere (`.invalid` can never resolve, RFC 6761);
 * on the embedded runtime its tokens are verified against the dev key pair
 * generated into the data directory (`resolveDevJwtKey`), which
 * `sluice token` signs with — signature, `iss`, `aud`, `exp`/`nbf` and
 * scopes checked as for any issuer. The AWS packager refuses it
 * (`assertAwsAuthorizers`): API Gateway could never fetch its keys.
 */
export const DEV_ISSUER_URL = 'https://dev-issuer.sluice.invalid';

/** Whether `issuerUrl` is the {@link DEV_ISSUER_URL} (a trailing `/` or not). */
export function isDevIssuer(issuerUrl: string): boolean {
  return issuerUrl.replace(/\/+$/, '') === DEV_ISSUER_URL;
}

/**
 * The JWT authorizers whose keys are the embedded runtime's dev key: on
 * {@link DEV_ISSUER_URL}, without a local key set of their own
 * (`custom.sluice.authorizers.<name>`: `jwksFile`/`jwksUrl` win).
 */
export function devIssuerAuthorizers(authorizers: readonly AuthorizerManifest[], localKeys: Readonly<Record<string, unknown>> | undefined): Array<Extract<AuthorizerManifest, { type: 'jwt' }>> {
  return authorizers.filter((a): a is Extract<AuthorizerManifest, { type: 'jwt' }> => a.type === 'jwt' && isDevIssuer(a.issuerUrl) && localKeys?.[a.name] === undefined);
}

/** What protects one route: a named authorizer (with the JWT scopes it requires), or IAM (SigV4). */
export type RouteAuthorizer = { kind: 'jwt'; name: string; scopes: string[] } | { kind: 'request'; name: string } | { kind: 'iam' };

const JWT_KEYS = { used: ['type', 'identitySource', 'issuerUrl', 'audience'] };
const REQUEST_KEYS = { used: ['type', 'functionName', 'identitySource', 'resultTtlInSeconds', 'enableSimpleResponses', 'payloadVersion'], framework: ['functionArn', 'managedExternally'], unsupported: 'Sluice runs the authorizer function of this service on both runtimes' };

/**
 * Reads `provider.httpApi.authorizers`.
 * @throws {ConfigError} naming `provider.httpApi.authorizers.<name>.<key>`
 */
export function parseHttpAuthorizers(httpApi: unknown): Map<string, AuthorizerManifest> {
  const out = new Map<string, AuthorizerManifest>();
  if (!isPlainObject(httpApi) || httpApi.authorizers === undefined) return out;
  const place = 'provider.httpApi.authorizers';
  if (!isPlainObject(httpApi.authorizers)) throw new ConfigError(`${place}: expected a map of authorizers by name`);
  for (const [name, raw] of Object.entries(httpApi.authorizers)) {
    const at = `${place}.${name}`;
    if (!isPlainObject(raw)) throw new ConfigError(`${at}: expected { type, ... }`);
    const type = raw.type ?? 'jwt';
    if (type === 'jwt') {
      assertKnownKeys(raw, JWT_KEYS, at);
      const issuerUrl = raw.issuerUrl;
      if (typeof issuerUrl !== 'string' || !/^https?:\/\/\S+$/.test(issuerUrl)) throw new ConfigError(`${at}.issuerUrl: expected the issuer's URL (https://...)`);
      const audience = raw.audience === undefined ? [] : Array.isArray(raw.audience) ? raw.audience : [raw.audience];
      if (audience.length === 0 || !audience.every((a) => typeof a === 'string' && a.length > 0)) throw new ConfigError(`${at}.audience: expected one or more audiences (API Gateway requires at least one)`);
      // Required, as the Serverless Framework's schema requires it (API Gateway has no default for JWT authorizers): accepting its absence here would let the embedded runtime serve what `serverless package` refuses.
      if (raw.identitySource === undefined) throw new ConfigError(`${at}.identitySource: required for a JWT authorizer, e.g. $request.header.Authorization`);
      const identitySource = raw.identitySource;
      if (typeof identitySource !== 'string' || !/^\$request\.(header|querystring)\.[^\s.]+$/.test(identitySource)) throw new ConfigError(`${at}.identitySource: expected $request.header.<name> or $request.querystring.<name>`);
      out.set(name, { name, type: 'jwt', identitySource, issuerUrl, audience: audience as string[] });
    } else if (type === 'request') {
      assertKnownKeys(raw, REQUEST_KEYS, at);
      if (typeof raw.functionName !== 'string' || raw.functionName === '') throw new ConfigError(`${at}.functionName: expected the name of the authorizer function in this service`);
      const sources = raw.identitySource === undefined ? [] : Array.isArray(raw.identitySource) ? raw.identitySource : [raw.identitySource];
      if (!sources.every((s) => typeof s === 'string' && /^\$(request|context|stageVariables)\.\S+$/.test(s))) throw new ConfigError(`${at}.identitySource: expected identity sources like $request.header.Authorization`);
      const ttl = raw.resultTtlInSeconds ?? 0;
      if (!Number.isInteger(ttl) || (ttl as number) < 0 || (ttl as number) > 3600) throw new ConfigError(`${at}.resultTtlInSeconds: expected an integer from 0 to 3600`);
      if ((ttl as number) > 0 && sources.length === 0) throw new ConfigError(`${at}.identitySource: API Gateway requires identity sources when results are cached (resultTtlInSeconds > 0)`);
      const payloadVersion = String(raw.payloadVersion ?? '2.0');
      if (payloadVersion !== '2.0' && payloadVersion !== '1.0') throw new ConfigError(`${at}.payloadVersion: expected '1.0' or '2.0'`);
      const simple = raw.enableSimpleResponses ?? false;
      if (typeof simple !== 'boolean') throw new ConfigError(`${at}.enableSimpleResponses: expected true or false`);
      if (simple && payloadVersion !== '2.0') throw new ConfigError(`${at}.enableSimpleResponses: simple responses need payloadVersion '2.0'`);
      out.set(name, { name, type: 'request', functionName: raw.functionName, identitySource: sources as string[], resultTtlInSeconds: ttl as number, enableSimpleResponses: simple, payloadVersion });
    } else {
      throw new ConfigError(`${at}.type: '${String(type)}' is not an HTTP API authorizer type (jwt, request)`);
    }
  }
  return out;
}

/**
 * Reads an `httpApi` event's `authorizer`: `{ name, scopes? }`, `{ type: aws_iam }`
 * or `aws_iam` (the framework's forms), against the declared authorizers.
 * @throws {ConfigError} naming `place`
 */
export function parseRouteAuthorizer(raw: unknown, place: string, authorizers: ReadonlyMap<string, AuthorizerManifest>): RouteAuthorizer {
  if (raw === 'aws_iam' || (isPlainObject(raw) && raw.type === 'aws_iam')) return { kind: 'iam' };
  const spec = typeof raw === 'string' ? { name: raw } : raw;
  if (!isPlainObject(spec)) throw new ConfigError(`${place}: expected { name, scopes? } or { type: aws_iam }`);
  assertKnownKeys(spec, { used: ['name', 'scopes', 'type', 'id'] }, place);
  if (spec.id !== undefined) throw new ConfigError(`${place}.id: an authorizer created outside this service cannot be run by the embedded runtime; declare it under provider.httpApi.authorizers`);
  const name = spec.name;
  if (typeof name !== 'string') throw new ConfigError(`${place}.name: expected the name of an authorizer of provider.httpApi.authorizers`);
  const authorizer = authorizers.get(name);
  if (!authorizer) throw new ConfigError(`${place}.name: no authorizer '${name}' in provider.httpApi.authorizers${authorizers.size ? ` (there: ${[...authorizers.keys()].join(', ')})` : ''}`);
  if (authorizer.type === 'request') {
    if (spec.scopes !== undefined) throw new ConfigError(`${place}.scopes: only JWT authorizers check scopes`);
    return { kind: 'request', name };
  }
  const scopes = spec.scopes === undefined ? [] : spec.scopes;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && s.length > 0)) throw new ConfigError(`${place}.scopes: expected a list of scope names`);
  return { kind: 'jwt', name, scopes: scopes as string[] };
}
