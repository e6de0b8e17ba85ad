import { type Dispatcher, type Response, fetch } from 'undici';

export interface OAuth2ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
  /** RFC 6749 §2.3.1: HTTP Basic (which servers MUST support) or the request body. */
  clientAuth: 'basic' | 'body';
}

/** Why a token request failed; the message holds the OAuth error code at most, never credentials or the body. */
export class TokenRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TokenRequestError';
  }
}

/** Tokens without `expires_in` are kept this long (RFC 6749 makes it only RECOMMENDED). */
const DEFAULT_LIFETIME_MS = 5 * 60_000;
/** Refresh this long before expiry (at most: a tenth of a short lifetime). */
const REFRESH_MARGIN_MS = 30_000;
/** A token response is a small JSON object: a larger body is refused unread (bytes). */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/**
 * One connection's OAuth 2.0 client-credentials token (RFC 6749 §4.4),
 * shared by every task of the container: fetched on first use, reused
 * until shortly before it expires (`expires_in` minus 30 s, or minus a tenth
 * for a lifetime under 5 min), fetched once for concurrent callers. The
 * token request goes through the connection's guarded dispatcher.
 *
 * The shared request belongs to no caller: it runs under its own timeout
 * (`timeoutMs`), and each caller waits for it under its own signal, so one
 * task's abort or timeout never fails the others waiting for the same token.
 * Its body is read up to {@link MAX_TOKEN_RESPONSE_BYTES}.
 */
export class OAuth2TokenCache {
  private token: { value: string; refreshAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  /** @param timeoutMs the whole token request (connect, answer, body), in ms */
  constructor(
    private readonly credentials: OAuth2ClientCredentials,
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  /**
   * @param nowMs  the caller's clock (epoch ms)
   * @param signal stops this caller's wait (rejecting with `signal.reason`), not the shared request
   * @throws {TokenRequestError} a non-2xx answer, a body without `access_token` or over 64 KiB, a timeout
   */
  async get(nowMs: number, signal: AbortSignal): Promise<string> {
    if (this.token && nowMs < this.token.refreshAtMs) return this.token.value;
    this.pending ??= this.request(nowMs).finally(() => {
      this.pending = undefined;
    });
    return waitFor(this.pending, signal);
  }

  /** Forgets the token (the API answered 401 to it). */
  invalidate(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private async request(nowMs: number): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope, audience, clientAuth } = this.credentials;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) form.set('scope', scope);
    if (audience) form.set('audience', audience);
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    if (clientAuth === 'basic') {
      // §2.3.1: id and secret are form-urlencoded before being joined.
      const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    let response: Response;
    try {
      response = await fetch(tokenUrl, { method: 'POST', headers, body: form.toString(), dispatcher: this.dispatcher, signal: timeout, redirect: 'error' });
      body = parseJson(await readCapped(response, MAX_TOKEN_RESPONSE_BYTES));
    } catch (error) {
      if (timeout.aborted) throw new TokenRequestError(`the token request timed out after ${this.timeoutMs} ms`, undefined, { cause: error });
      throw error;
    }
    if (!response.ok) {
      const code = typeof body?.error === 'string' && /^[\w.-]{1,64}$/.test(body.error) ? ` (${body.error})` : '';
      throw new TokenRequestError(`token endpoint answered ${response.status}${code}`, response.status);
    }
    if (typeof body?.access_token !== 'string' || body.access_token === '') throw new TokenRequestError('token endpoint answered without an access_token');
    const expiresInSeconds = Number(body.expires_in); // some servers send it as a string
    const lifetimeMs = expiresInSeconds > 0 ? expiresInSeconds * 1000 : DEFAULT_LIFETIME_MS;
    this.token = { value: body.access_token, refreshAtMs: nowMs + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10) };
    return body.access_token;
  }
}

/** `promise`, or a rejection with `signal.reason` as soon as `signal` aborts (the promise runs on). */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The body's text, refused past `maxBytes` (a larger Content-Length at once,
 * a longer stream as soon as it passes the cap; the transfer is cancelled).
 *
 * @throws {TokenRequestError} the body is over `maxBytes`
 */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new TokenRequestError(`the token response exceeds ${maxBytes} bytes`, response.status);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let seen = 0;
  for await (const chunk of response.body) {
    seen += chunk.byteLength;
    if (seen > maxBytes) throw tooLarge(); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
