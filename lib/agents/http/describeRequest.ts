/**
 * How a request appears in log lines and error messages: method, path and
 * the NAMES of the query parameters — never their values (tokens, keys and
 * signatures often travel there), never userinfo or headers.
 *
 * @example describeRequest('GET', new URL('https://h/v1/items?page=2&api_key=s3cr3t')) // 'GET /v1/items?page&api_key'
 */
export function describeRequest(method: string, url: URL): string {
  const names = [...new Set(url.searchParams.keys())];
  return `${method} ${url.pathname}${names.length > 0 ? `?${names.join('&')}` : ''}`;
}

/** Query parameter names whose values are credentials. */
const SECRET_PARAM = /token|key|secret|passw|pwd|signature|sig$|auth|credential|session|code/i;

/**
 * A URL fit for a log line or an error message: origin and path, query
 * values kept only for parameters not named like a credential (the others
 * become `REDACTED`), no userinfo, no fragment.
 */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.hash = '';
  for (const name of new Set(copy.searchParams.keys())) {
    if (SECRET_PARAM.test(name)) copy.searchParams.set(name, 'REDACTED');
  }
  return copy.href;
}
