import { type Dispatcher, fetch } from 'undici';

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

/**
 * One connection's OAuth 2.0 client-credentials token (RFC 6749 §4.4),
 * shared by every task of the container: fetched on first use, reused
 * until shortly before it expires (`expires_in` minus 30 s, or minus a tenth
 * for a lifetime under 5 min), fetched once for concurrent callers. The
 * token request goes through the connection's guarded dispatcher.
 */
export class OAuth2TokenCache {
  private token: { value: string; refreshAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly credentials: OAuth2ClientCredentials,
    private readonly dispatcher: Dispatcher,
  ) {}

  /**
   * @param nowMs  the caller's clock (epoch ms)
   * @param signal aborts the token request
   * @throws {TokenRequestError} a non-2xx answer or a body without `access_token`
   */
  async get(nowMs: number, signal: AbortSignal): Promise<string> {
    if (this.token && nowMs < this.token.refreshAtMs) return this.token.value;
    this.pending ??= this.request(nowMs, signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets the token (the API answered 401 to it). */
  invalidate(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private async request(nowMs: number, signal: AbortSignal): Promise<string> {
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
    const response = await fetch(tokenUrl, { method: 'POST', headers, body: form.toString(), dispatcher: this.dispatcher, signal, redirect: 'error' });
    const body = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
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
