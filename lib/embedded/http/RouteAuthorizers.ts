import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../http/NodeSha256.js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { DEV_ISSUER_URL, isDevIssuer, type AuthorizerManifest, type RouteAuthorizer } from '../../config/httpAuthorizers.js';
import type { ServiceManifest } from '../../config/ServiceManifest.js';
import type { HttpAuth } from '../../core/task/Payload.js';
import { jsonReply, type HttpReply } from '../../http/httpResponses.js';

/** A request as the authorizers need it (decoded as API Gateway decodes it). */
export interface AuthorizedRequest {
  method: string;
  /** The route's key, e.g. `POST /orders/{id}`. */
  routeKey: string;
  rawPath: string;
  rawQuery: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  pathParameters: Record<string, string>;
  /** The host and port the request reached (SigV4 signs the Host header). */
  host: string;
  /** The body, only for IAM-protected routes (SigV4 signs its hash). */
  body?: Uint8Array;
}

export type Authorization = { ok: true; auth: HttpAuth } | { ok: false; reply: HttpReply };

/** API Gateway HTTP API's answers (we keep Sluice's `{ error, message }` shape, as for its 404). */
const UNAUTHORIZED = jsonReply(401, { error: 'Unauthorized', message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
const FORBIDDEN = jsonReply(403, { error: 'Forbidden', message: 'Forbidden' });
const AUTHORIZER_FAILED = jsonReply(500, { error: 'InternalError', message: 'the authorizer failed' });

/** API Gateway ends a Lambda authorizer after 10 s. */
const AUTHORIZER_TIMEOUT_MS = 10_000;
/** SigV4: a request signed more than 15 minutes from now is refused (AWS's clock skew rule). */
const SIGV4_SKEW_MS = 15 * 60 * 1000;

/**
 * The embedded runtime's authorizers, so that a route protected on AWS is
 * protected locally too, with API Gateway HTTP API's rules
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html):
 *
 * - `jwt`: the token from the identity source (with or without `Bearer `),
 *   verified against the issuer's keys (OIDC discovery of `issuerUrl`, or a
 *   local JWKS: `custom.sluice.authorizers.<name>`, or for the dev issuer
 *   `DEV_ISSUER_URL` the data directory's dev key, `devJwks`), `iss` = `issuerUrl`,
 *   header `kid` a key of that set, `aud` one of `audience` (`client_id`
 *   only when there is no `aud`), `exp` present and ahead, `nbf` and `iat`
 *   (when present) not ahead; the route's scopes:
 *   the token's `scope`/`scp` holds at least one. No or bad token: 401;
 *   missing scope: 403.
 * - `request` (Lambda authorizer): the service's own function, called in the
 *   runtime's process with API Gateway's authorizer event (payload 2.0 or 1.0),
 *   its answer cached `resultTtlInSeconds` per identity; a missing identity
 *   source is a 401 without calling it, a denial a 403, a failure a 500.
 * - `iam` (`aws_iam`): the request must be SigV4-signed (service
 *   `execute-api`) by the credentials of this machine's AWS credential chain:
 *   locally, "IAM-authorized" means "signed by the developer's own keys".
 */
/** The signature algorithms API Gateway's JWT authorizers accept (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html). */
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

export class RouteAuthorizers {
  readonly #byName: Map<string, AuthorizerManifest>;
  readonly #jwks = new Map<string, Promise<JWTVerifyGetKey>>();
  readonly #lambdaCache = new Map<string, { until: number; result: Authorization }>();
  readonly #handlers = new Map<string, Promise<(event: unknown, context: unknown) => unknown>>();
  /** This machine's credential chain, made on the first IAM request and kept (it caches, and refreshes expiring credentials). */
  #credentials: ReturnType<typeof fromNodeProviderChain> | undefined;

  constructor(
    private readonly manifest: ServiceManifest,
    private readonly options: {
      now: () => number;
      region: string;
      onError(error: unknown, what: string): void;
      /** The public half of the data directory's dev key (`resolveDevJwtKey`): the keys of JWT authorizers on the dev issuer. */
      devJwks?: { keys: object[] };
    },
  ) {
    this.#byName = new Map(manifest.authorizers.map((a) => [a.name, a]));
  }

  async authorize(authorizer: RouteAuthorizer, request: AuthorizedRequest): Promise<Authorization> {
    switch (authorizer.kind) {
      case 'jwt':
        return this.#jwt(this.#byName.get(authorizer.name) as Extract<AuthorizerManifest, { type: 'jwt' }>, authorizer.scopes, request);
      case 'request':
        return this.#lambda(this.#byName.get(authorizer.name) as Extract<AuthorizerManifest, { type: 'request' }>, request);
      case 'iam':
        return this.#iam(request);
    }
  }

  async #jwt(authorizer: Extract<AuthorizerManifest, { type: 'jwt' }>, scopes: readonly string[], request: AuthorizedRequest): Promise<Authorization> {
    const raw = identityOf(authorizer.identitySource, request);
    if (!raw) return { ok: false, reply: UNAUTHORIZED };
    const token = raw.replace(/^Bearer\s+/i, '');
    const now = this.options.now();
    let claims: JWTPayload;
    try {
      const keys = await this.#keysOf(authorizer);
      // API Gateway: the header's `kid` must name a key of the JWKS (jose then picks only that key); without one, no key matches.
      const keyOfKid: JWTVerifyGetKey = (header, input) => {
        if (typeof header.kid !== 'string') throw new Error('the token has no kid');
        return keys(header, input);
      };
      // API Gateway's HTTP API verifies RSA signatures only ("currently, only RSA-based algorithms are supported"): a token
      // another algorithm signs would pass here and fail on AWS. The dev issuer (embedded only, never deployed) signs ES256.
      const algorithms = isDevIssuer(authorizer.issuerUrl) ? undefined : RSA_ALGORITHMS;
      ({ payload: claims } = await jwtVerify(token, keyOfKid, { issuer: authorizer.issuerUrl, currentDate: new Date(now), requiredClaims: ['exp'], ...(algorithms ? { algorithms } : {}) }));
    } catch {
      return { ok: false, reply: UNAUTHORIZED };
    }
    // `iat` must be in the past (jose checks it only against a maximum age).
    if (typeof claims.iat === 'number' && claims.iat * 1000 > now) return { ok: false, reply: UNAUTHORIZED };
    if (!audiencesOf(claims).some((a) => authorizer.audience.includes(a))) return { ok: false, reply: UNAUTHORIZED };
    const granted = scopesOf(claims);
    if (scopes.length > 0 && !scopes.some((s) => granted.includes(s))) return { ok: false, reply: FORBIDDEN };
    return { ok: true, auth: { type: 'jwt', claims: { ...claims }, scopes: granted } };
  }

  #keysOf(authorizer: Extract<AuthorizerManifest, { type: 'jwt' }>): Promise<JWTVerifyGetKey> {
    let keys = this.#jwks.get(authorizer.name);
    if (!keys) {
      const local = this.manifest.settings.authorizers?.[authorizer.name];
      keys = (async (): Promise<JWTVerifyGetKey> => {
        if (local?.jwksFile) return createLocalJWKSet(JSON.parse(readFileSync(resolve(this.manifest.serviceDir, local.jwksFile), 'utf8')));
        if (local?.jwksUrl) return createRemoteJWKSet(new URL(local.jwksUrl));
        // The dev issuer has no discovery (`.invalid`): its keys are the dev key pair of the data directory.
        if (isDevIssuer(authorizer.issuerUrl)) {
          if (!this.options.devJwks) throw new Error(`no dev key loaded for the dev issuer ${DEV_ISSUER_URL}`);
          return createLocalJWKSet(this.options.devJwks as Parameters<typeof createLocalJWKSet>[0]);
        }
        // API Gateway finds the keys through the issuer's OpenID Connect discovery document.
        const discovery = await fetch(`${authorizer.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
        if (!discovery.ok) throw new Error(`OIDC discovery of ${authorizer.issuerUrl} answered ${discovery.status}`);
        const { jwks_uri: jwksUri } = (await discovery.json()) as { jwks_uri?: string };
        if (typeof jwksUri !== 'string') throw new Error(`OIDC discovery of ${authorizer.issuerUrl} has no jwks_uri`);
        return createRemoteJWKSet(new URL(jwksUri));
      })();
      // A failed discovery is tried again on the next request, not cached.
      keys.catch((error) => {
        this.#jwks.delete(authorizer.name);
        this.options.onError(error, `JWT authorizer '${authorizer.name}'`);
      });
      this.#jwks.set(authorizer.name, keys);
    }
    return keys;
  }

  async #lambda(authorizer: Extract<AuthorizerManifest, { type: 'request' }>, request: AuthorizedRequest): Promise<Authorization> {
    const identity = authorizer.identitySource.map((source) => identityOf(source, request));
    if (identity.some((value) => value === undefined || value === '')) {
      if (authorizer.identitySource.length > 0) return { ok: false, reply: UNAUTHORIZED };
    }
    const cacheKey = authorizer.resultTtlInSeconds > 0 ? `${authorizer.name}\u0000${identity.join('\u0000')}` : undefined;
    const cached = cacheKey ? this.#lambdaCache.get(cacheKey) : undefined;
    if (cached && cached.until > this.options.now()) return cached.result;
    let result: Authorization;
    try {
      const handler = await this.#handlerOf(authorizer);
      const event = authorizer.payloadVersion === '2.0' ? authorizerEventV2(request, identity as string[], this.options) : authorizerEventV1(request, this.options);
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        Promise.resolve(handler(event, { functionName: authorizer.functionName, getRemainingTimeInMillis: () => AUTHORIZER_TIMEOUT_MS })),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the authorizer did not answer within ${AUTHORIZER_TIMEOUT_MS / 1000} s`)), AUTHORIZER_TIMEOUT_MS))),
      ]).finally(() => clearTimeout(timer));
      result = decisionOf(answer, authorizer.enableSimpleResponses);
    } catch (error) {
      this.options.onError(error, `Lambda authorizer '${authorizer.name}' (function ${authorizer.functionName})`);
      return { ok: false, reply: AUTHORIZER_FAILED };
    }
    if (cacheKey) this.#lambdaCache.set(cacheKey, { until: this.options.now() + authorizer.resultTtlInSeconds * 1000, result });
    return result;
  }

  #handlerOf(authorizer: Extract<AuthorizerManifest, { type: 'request' }>): Promise<(event: unknown, context: unknown) => unknown> {
    let handler = this.#handlers.get(authorizer.name);
    if (!handler) {
      const { file, export: name } = authorizer.handler!;
      handler = import(pathToFileURL(file).href).then((module: Record<string, unknown>) => {
        const fn = module[name];
        if (typeof fn !== 'function') throw new Error(`export '${name}' of ${file} is not a function`);
        return fn as (event: unknown, context: unknown) => unknown;
      });
      handler.catch(() => this.#handlers.delete(authorizer.name));
      this.#handlers.set(authorizer.name, handler);
    }
    return handler;
  }

  async #iam(request: AuthorizedRequest): Promise<Authorization> {
    const header = request.headers.authorization ?? '';
    const parsed = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(header);
    const amzDate = request.headers['x-amz-date'];
    if (!parsed || !amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) return { ok: false, reply: FORBIDDEN };
    const [, accessKey, , region, service, signedHeaders, signature] = parsed as unknown as [string, string, string, string, string, string, string];
    const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (service !== 'execute-api' || Math.abs(this.options.now() - signedAt) > SIGV4_SKEW_MS) return { ok: false, reply: FORBIDDEN };
    let credentials;
    try {
      credentials = await (this.#credentials ??= fromNodeProviderChain())();
    } catch (error) {
      this.options.onError(error, 'IAM authorization (no AWS credentials on this machine to check signatures against)');
      return { ok: false, reply: FORBIDDEN };
    }
    if (credentials.accessKeyId !== accessKey) return { ok: false, reply: FORBIDDEN };
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = name === 'host' ? (request.headers.host ?? request.host) : (request.headers[name] ?? '');
    const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256 });
    const query = Object.fromEntries(new URLSearchParams(request.rawQuery));
    const resigned = await signer.sign(
      { method: request.method, protocol: 'http:', hostname: headers.host!.split(':')[0]!, path: request.rawPath, query, headers, body: request.body ?? '' },
      { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders.split(';')) },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization ?? resigned.headers.Authorization))?.[1];
    if (expected !== signature) return { ok: false, reply: FORBIDDEN };
    return { ok: true, auth: { type: 'iam', accessKey } };
  }
}

/** `$request.header.X` / `$request.querystring.X` of a request (header names are case-insensitive). */
function identityOf(source: string, request: AuthorizedRequest): string | undefined {
  const header = /^\$request\.header\.(.+)$/i.exec(source);
  if (header) return request.headers[header[1]!.toLowerCase()];
  const query = /^\$request\.querystring\.(.+)$/i.exec(source);
  if (query) return request.query[query[1]!];
  return undefined;
}

function scopesOf(claims: JWTPayload): string[] {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

function routeArn(request: AuthorizedRequest, region: string): string {
  return `arn:aws:execute-api:${region}:000000000000:sluice-embedded/$default/${request.method}${request.rawPath}`;
}

/** The audiences a token claims, as API Gateway reads them: `aud` when present (a string or a list), `client_id` only without `aud` (Cognito access tokens). */
function audiencesOf(claims: JWTPayload): string[] {
  if (claims.aud !== undefined) return Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return typeof claims.client_id === 'string' ? [claims.client_id] : [];
}

/** API Gateway's Lambda authorizer event, payload 2.0. */
function authorizerEventV2(request: AuthorizedRequest, identity: string[], options: { now(): number; region: string }) {
  const now = options.now();
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: routeArn(request, options.region),
    identitySource: identity,
    routeKey: request.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQuery,
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split('; ') } : {}),
    headers: request.headers,
    queryStringParameters: request.query,
    pathParameters: request.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'sluice-embedded',
      domainName: request.host,
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: request.headers['user-agent'] ?? '' },
      requestId: `${now}`,
      routeKey: request.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/** API Gateway's Lambda authorizer event, payload 1.0 (an IAM policy answers it). */
function authorizerEventV1(request: AuthorizedRequest, options: { now(): number; region: string }) {
  return {
    version: '1.0',
    type: 'REQUEST',
    methodArn: routeArn(request, options.region),
    resource: request.routeKey.slice(request.routeKey.indexOf(' ') + 1),
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    queryStringParameters: request.query,
    pathParameters: request.pathParameters,
    requestContext: { httpMethod: request.method, path: request.path, stage: '$default', requestTimeEpoch: options.now() },
  };
}

/**
 * A Lambda authorizer's answer: a simple response `{ isAuthorized, context }`
 * (when enabled), or an IAM policy allowing or denying `execute-api:Invoke`.
 * Anything else is a failure (500), as on API Gateway.
 */
function decisionOf(answer: unknown, simple: boolean): Authorization {
  const value = answer as Record<string, unknown> | null | undefined;
  if (simple && value && typeof value.isAuthorized === 'boolean') {
    return value.isAuthorized ? { ok: true, auth: { type: 'lambda', context: { ...(value.context as object | undefined) } } } : { ok: false, reply: FORBIDDEN };
  }
  const statements = (value?.policyDocument as { Statement?: Array<{ Effect?: string; Action?: string | string[] }> } | undefined)?.Statement;
  if (!Array.isArray(statements)) throw new Error(`the authorizer answered neither ${simple ? '{ isAuthorized } nor ' : ''}an IAM policy`);
  const invokes = (s: { Action?: string | string[] }) => [s.Action].flat().some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*');
  if (statements.some((s) => s.Effect === 'Deny' && invokes(s))) return { ok: false, reply: FORBIDDEN };
  if (!statements.some((s) => s.Effect === 'Allow' && invokes(s))) return { ok: false, reply: FORBIDDEN };
  return { ok: true, auth: { type: 'lambda', context: { ...(value?.context as object | undefined), ...(value?.principalId !== undefined ? { principalId: value.principalId } : {}) } } };
}
