import { setTimeout as sleep } from 'node:timers/promises';
import { type Agent, Headers, type Response as UndiciResponse, fetch as undiciFetch } from 'undici';
import type { HttpSettings } from '../../config/connections/httpSettings.js';
import type { Resolved } from '../../config/connections/secretRef.js';
import type { AgentConnection } from '../../core/agents/AgentConnection.js';
import type { AgentHost } from '../../core/agents/AgentHost.js';
import type { AgentScope } from '../../core/agents/AgentScope.js';
import type { HttpAgent } from '../../core/agents/HttpAgent.js';
import { AgentError, AgentRefusedError } from '../../core/agents/agentErrors.js';
import { traceAgentCall } from '../../core/agents/traceAgentCall.js';
import { describeRequest, redactUrl } from './describeRequest.js';
import { type Connector, HostResolutionError, type LookupFunction, SsrfBlockedError, createGuardedDispatcher } from './guardedDispatcher.js';
import { limitResponseBody } from './limitResponseBody.js';
import { OAuth2TokenCache, TokenRequestError } from './OAuth2TokenCache.js';
import { resolveRequestUrl } from './resolveRequestUrl.js';
import { IDEMPOTENT_METHODS, RETRIABLE_STATUSES, backoffDelayMs, parseRetryAfter } from './retryPolicy.js';
import { createSsrfGuard } from './ssrfGuard.js';

export interface HttpConnectionOptions {
  /** Resolves host names for the SSRF guard. @default dns.lookup with all: true */
  lookup?: LookupFunction;
  /** Opens the sockets the guard allowed. @default undici's buildConnector() */
  connector?: Connector;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: never sent to an origin other than the connection's. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
/** Fetch: request-body-header names, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];

type Outcome = { response: UndiciResponse; attempts: number; redirected: boolean };

/**
 * An `http` connection: one undici dispatcher (keep-alive pool) behind the
 * SSRF guard, one OAuth2 token cache, shared by all tasks of the container.
 * See {@link HttpAgent} for what a logic sees and `httpSettings.ts` for the
 * settings.
 *
 * Per call (`forTask(scope).fetch(path, init)`):
 * 1. `path` resolves under `baseUrl` ({@link resolveRequestUrl}) or is refused;
 * 2. headers: the connection's defaults, then `init.headers`, then the auth
 *    (the connection's auth wins over a logic's Authorization);
 * 3. redirects (unless `init.redirect` is `manual`/`error`) are followed by
 *    hand, at most 5: each hop's socket passes the guard; a hop to another
 *    origin carries neither the auth nor the default headers nor
 *    Authorization/Cookie, nor is it opened by `allowPrivateNetwork` (only
 *    `allowCidrs` lets it reach a loopback/private/link-local address);
 *    https→http is refused; 303 (and 301/302 after a POST) become a GET
 *    without body;
 * 4. 429/502/503/504 and connection errors/timeouts are retried (GET, HEAD,
 *    OPTIONS, PUT, DELETE with a replayable body only) with full-jitter
 *    backoff, or after `Retry-After` when the server sends one (not when it
 *    asks for more than `retries.maxDelayMs`: the response is returned);
 *    never waiting past `scope.deadlineMs`; aborted by `scope.signal`;
 *    what a retry cannot fix is thrown at once: a method that is not an
 *    RFC 9110 token (or CONNECT/TRACE/TRACK), an invalid header, a request
 *    undici refuses (AgentRefusedError), response headers over undici's
 *    limit (AgentError);
 * 5. the body is capped at `maxResponseBytes` (a larger `Content-Length` is
 *    refused at once; a longer stream errors while read); the timeout and
 *    the task's signal keep applying while the logic reads it (a failed
 *    read is an AgentError);
 * 6. one log line: `GET /v2/items?page` (query names only), status, bytes
 *    (Content-Length, when sent), attempts.
 */
export class HttpConnection implements AgentConnection<HttpAgent> {
  private readonly base: URL;
  private readonly dispatcher: Agent;
  /** For redirect hops outside the base origin: the guard without allowPrivateNetwork (the same dispatcher when it is off). */
  private readonly foreignDispatcher: Agent;
  private readonly tokens: OAuth2TokenCache | undefined;
  private readonly random: () => number;
  private closing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly settings: Resolved<HttpSettings>,
    host: AgentHost,
    options: HttpConnectionOptions = {},
  ) {
    this.base = new URL(settings.baseUrl);
    const dispatcherOptions = {
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.connector ? { connector: options.connector } : {}),
      // A Lambda container is frozen between invocations: a socket idle across a freeze is often
      // closed by the server meanwhile, so idle sockets are kept for less time there.
      keepAliveTimeoutMs: host.kind === 'lambda' ? 1_000 : 4_000,
    };
    this.dispatcher = createGuardedDispatcher(createSsrfGuard({ allowPrivateNetwork: settings.allowPrivateNetwork, allowCidrs: settings.allowCidrs }), dispatcherOptions);
    // allowPrivateNetwork opens the private ranges for the configured origins (baseUrl, tokenUrl) only:
    // a redirect to another origin must not reach loopback (on Lambda, the Runtime API at
    // 127.0.0.1:9001) or the VPC unless allowCidrs lists the range.
    this.foreignDispatcher = settings.allowPrivateNetwork ? createGuardedDispatcher(createSsrfGuard({ allowCidrs: settings.allowCidrs }), dispatcherOptions) : this.dispatcher;
    const auth = settings.auth;
    this.tokens = auth?.type === 'oauth2' ? new OAuth2TokenCache(auth, this.dispatcher, settings.timeoutSeconds * 1000) : undefined;
    this.random = options.random ?? Math.random;
  }

  forTask(scope: AgentScope): HttpAgent {
    return { fetch: (path, init) => this.fetch(scope, path, init) };
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.dispatcher.close(), this.foreignDispatcher === this.dispatcher ? undefined : this.foreignDispatcher.close()]).then(() => undefined);
    return this.closing;
  }

  private async fetch(scope: AgentScope, path: string, init: RequestInit = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const badMethod = methodRefusal(method);
    if (badMethod !== undefined) {
      // The method is quoted (JSON-escaped): a line break in it must not split the log line.
      const operation = `${JSON.stringify(method.slice(0, 32))} ${describeRefusedPath(path)}`;
      return traceAgentCall(scope, operation, () => Promise.reject(new AgentRefusedError(this.name, operation, badMethod)));
    }
    const resolved = resolveRequestUrl(this.base, path);
    if ('refused' in resolved) {
      const operation = `${method} ${describeRefusedPath(path)}`;
      return traceAgentCall(scope, operation, () => Promise.reject(new AgentRefusedError(this.name, operation, resolved.refused)));
    }
    const operation = describeRequest(method, resolved.url);
    const outcome = await traceAgentCall(
      scope,
      operation,
      () => this.exchange(scope, operation, method, resolved.url, init),
      ({ response, attempts }) => ({ status: response.status, bytes: contentLength(response), attempts }),
    );
    const tooLarge = () => new AgentRefusedError(this.name, operation, `the response body exceeds ${this.settings.maxResponseBytes} bytes (maxResponseBytes)`);
    // A HEAD answer's Content-Length is the size of the body it does not send.
    const declared = method === 'HEAD' ? undefined : contentLength(outcome.response);
    if (declared !== undefined && declared > this.settings.maxResponseBytes) {
      await outcome.response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    // undici's Response is the WHATWG one (the global Response is undici's too, another copy).
    return limitResponseBody(outcome.response, {
      maxBytes: this.settings.maxResponseBytes,
      tooLarge,
      failed: (error) =>
        scope.signal.aborted
          ? this.aborted(scope, operation)
          : new AgentError(this.name, operation, `reading the response body failed: ${failureCode(error)}`, { cause: error }),
      redirected: outcome.redirected,
    }) as unknown as Response;
  }

  /** The attempts of one call: retries, backoff, the error a logic sees. */
  private async exchange(scope: AgentScope, operation: string, method: string, url: URL, init: RequestInit): Promise<Outcome> {
    const replayable = !isStreamBody(init.body);
    const { attempts: maxAttempts, baseDelayMs, maxDelayMs } = this.settings.retries;
    const attemptsAllowed = IDEMPOTENT_METHODS.has(method) && replayable ? maxAttempts : 1;
    let tokenRetried = false;
    for (let attempt = 1; ; attempt++) {
      if (scope.signal.aborted) throw this.aborted(scope, operation);
      const timeoutMs = Math.max(1, Math.min(this.settings.timeoutSeconds * 1000, scope.deadlineMs - scope.now()));
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([scope.signal, timeout, ...(init.signal ? [init.signal] : [])]);
      let outcome: Omit<Outcome, 'attempts'> & { token?: string };
      try {
        outcome = await this.send(scope, operation, method, url, init, signal);
      } catch (error) {
        if (error instanceof AgentRefusedError) throw error;
        if (scope.signal.aborted) throw this.aborted(scope, operation);
        if (init.signal?.aborted) throw new AgentError(this.name, operation, 'aborted by the caller', { cause: init.signal.reason });
        const refusal = refusalOf(error);
        if (refusal) throw new AgentRefusedError(this.name, operation, refusal.message, { cause: refusal });
        const permanent = permanentFailureOf(error);
        if (permanent) throw permanent.refused ? new AgentRefusedError(this.name, operation, permanent.reason, { cause: error }) : new AgentError(this.name, operation, `${permanent.reason} (not retried)`, { cause: error });
        const reason = timeout.aborted ? `timed out after ${timeoutMs} ms` : failureCode(error);
        const delay = backoffDelayMs(attempt, { baseDelayMs, maxDelayMs }, this.random);
        if (attempt >= attemptsAllowed || scope.now() + delay >= scope.deadlineMs) {
          throw new AgentError(this.name, operation, `${reason} (${attempt} attempt${attempt > 1 ? 's' : ''})`, { cause: error });
        }
        await this.pause(scope, operation, delay);
        continue;
      }
      const { response } = outcome;
      if (response.status === 401 && this.tokens && outcome.token && !tokenRetried && replayable) {
        // The cached token was revoked or expired early: one more try with a fresh one (not counted as an attempt).
        tokenRetried = true;
        this.tokens.invalidate(outcome.token);
        await discard(response);
        attempt--;
        continue;
      }
      if (!RETRIABLE_STATUSES.has(response.status) || attempt >= attemptsAllowed) return { ...outcome, attempts: attempt };
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), scope.now());
      const delay = retryAfter ?? backoffDelayMs(attempt, { baseDelayMs, maxDelayMs }, this.random);
      if ((retryAfter !== undefined && retryAfter > maxDelayMs) || scope.now() + delay >= scope.deadlineMs) return { ...outcome, attempts: attempt };
      await discard(response);
      await this.pause(scope, operation, delay);
    }
  }

  /** One attempt: the request and the redirects it leads to. */
  private async send(scope: AgentScope, operation: string, method: string, url: URL, init: RequestInit, signal: AbortSignal): Promise<Omit<Outcome, 'attempts'> & { token?: string }> {
    const token = this.tokens ? await this.tokens.get(scope.now(), signal) : undefined;
    let current = url;
    let currentMethod = method;
    let body = init.body;
    let dropBodyHeaders = false;
    let foreign = false;
    for (let hop = 0; ; hop++) {
      let headers: Headers;
      try {
        headers = this.headersFor(init.headers, foreign, token, dropBodyHeaders);
      } catch (error) {
        // WHATWG Headers' TypeError quotes the value: it may be a credential, so only the rule is told.
        throw new AgentRefusedError(this.name, operation, 'a header name or value is not valid (RFC 9110: a name is a token; a value has no CR, LF or NUL)', { cause: error });
      }
      const response = await undiciFetch(current, {
        ...(init as object),
        method: currentMethod,
        headers,
        body: body as never,
        redirect: 'manual',
        signal,
        dispatcher: current.origin === this.base.origin ? this.dispatcher : this.foreignDispatcher,
        ...(isStreamBody(body) ? { duplex: 'half' } : {}),
      });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null || init.redirect === 'manual') {
        return { response, redirected: hop > 0, ...(token ? { token } : {}) };
      }
      await discard(response);
      const refuse = (why: string) => new AgentRefusedError(this.name, operation, why);
      if (init.redirect === 'error') throw refuse(`redirected (${response.status}) while redirect is 'error'`);
      if (hop >= MAX_REDIRECTS) throw refuse(`more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw refuse('a redirect to an invalid URL');
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw refuse(`a redirect to a ${next.protocol} URL`);
      if (current.protocol === 'https:' && next.protocol === 'http:') throw refuse(`a redirect from https to http (${redactUrl(next)})`);
      if (next.username !== '' || next.password !== '') throw refuse('a redirect to a URL with credentials');
      if (response.status === 303 ? currentMethod !== 'HEAD' : (response.status === 301 || response.status === 302) && currentMethod === 'POST') {
        currentMethod = 'GET';
        body = undefined;
        dropBodyHeaders = true;
      } else if (isStreamBody(body)) {
        throw refuse(`a ${response.status} redirect would resend a streamed body`);
      }
      // Once the request has left the connection's origin it carries no credentials, even back home.
      foreign ||= next.origin !== this.base.origin;
      next.hash = '';
      current = next;
    }
  }

  private headersFor(initHeaders: RequestInit['headers'], foreign: boolean, token: string | undefined, dropBodyHeaders: boolean): Headers {
    const headers = new Headers();
    if (!foreign) for (const [name, value] of Object.entries(this.settings.headers ?? {})) headers.set(name, value);
    new Headers(initHeaders as never).forEach((value, name) => headers.set(name, value));
    if (dropBodyHeaders) for (const name of BODY_HEADERS) headers.delete(name);
    // The URL names the host: a logic's Host header must not point the request at another virtual host.
    headers.delete('host');
    const auth = this.settings.auth;
    if (foreign) {
      for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      if (auth?.type === 'apiKey') headers.delete(auth.header);
      return headers;
    }
    if (auth?.type === 'bearer') headers.set('authorization', `Bearer ${auth.token}`);
    else if (auth?.type === 'basic') headers.set('authorization', `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`);
    else if (auth?.type === 'apiKey') headers.set(auth.header, auth.value);
    else if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    return headers;
  }

  /** Waits `delayMs`, or throws when the task is aborted meanwhile. */
  private async pause(scope: AgentScope, operation: string, delayMs: number): Promise<void> {
    try {
      await sleep(delayMs, undefined, { signal: scope.signal });
    } catch {
      throw this.aborted(scope, operation);
    }
  }

  private aborted(scope: AgentScope, operation: string): AgentError {
    return new AgentError(this.name, operation, 'aborted by the task', { cause: scope.signal.reason });
  }
}

/** A refused path as the log shows it: no query, no userinfo (`https://user:pw@host/` is a refused "path" too), control characters escaped. */
function describeRefusedPath(path: string): string {
  const beforeQuery = path.split(/[?#]/, 1)[0] ?? '';
  return beforeQuery
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:)?([/\\]{2})[^/\\]*@/, '$1$2')
    .replace(/[\u0000-\u001f\u007f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** RFC 9110 §9.1: a method is a token. */
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Fetch forbids these methods (CONNECT opens a tunnel; TRACE/TRACK echo the request's credentials). */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Why a method is refused before sending, or `undefined` when it may be sent. */
function methodRefusal(method: string): string | undefined {
  if (!METHOD_TOKEN.test(method)) return 'the method is not an RFC 9110 token';
  if (FORBIDDEN_METHODS.has(method)) return `Fetch forbids the ${method} method`;
  return undefined;
}

/**
 * undici errors a retry cannot fix: the request itself is invalid (refused
 * before sending), or the server's answer breaks a limit it will break again.
 */
const PERMANENT_UNDICI_ERRORS: Readonly<Record<string, { refused: boolean; reason: string }>> = {
  UND_ERR_INVALID_ARG: { refused: true, reason: 'undici refused the request' },
  UND_ERR_NOT_SUPPORTED: { refused: true, reason: 'undici does not support the request' },
  UND_ERR_INVALID_RETURN_VALUE: { refused: true, reason: 'undici refused the request' },
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: { refused: false, reason: 'the request body does not match its Content-Length' },
  UND_ERR_HEADERS_OVERFLOW: { refused: false, reason: 'the response headers exceed undici\'s limit' },
};

/** A failure in an error's cause chain that fails the same way on every attempt; the reason names undici's code and message (undici's messages carry no values). */
function permanentFailureOf(error: unknown): { refused: boolean; reason: string } | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    const known = typeof code === 'string' ? PERMANENT_UNDICI_ERRORS[code] : undefined;
    if (known) return { refused: known.refused, reason: `${known.reason}: ${current.message} (${code as string})` };
  }
  return undefined;
}

function contentLength(response: UndiciResponse): number | undefined {
  const value = response.headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A body that can be sent only once (a stream or an async iterable). */
function isStreamBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  return typeof (body as ReadableStream).getReader === 'function' || Symbol.asyncIterator in body;
}

async function discard(response: UndiciResponse): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** The guard's refusal (or a 4xx from the token endpoint) somewhere in an error's cause chain: not worth a retry. */
function refusalOf(error: unknown): Error | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof SsrfBlockedError) return current;
    if (current instanceof TokenRequestError && current.status !== undefined && current.status >= 400 && current.status < 500 && current.status !== 429) return current;
  }
  return undefined;
}

/** A short, credential-free reason: the system error code (ECONNREFUSED...) or the error's class. */
function failureCode(error: unknown): string {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof HostResolutionError) return current.message;
    if (current instanceof TokenRequestError) return current.message;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return error instanceof Error ? error.name : 'failed';
}
