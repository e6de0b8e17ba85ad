/**
 * Resolves a logic's `path` under a connection's base URL (LOC's "the URL
 * can only contain the path"), or says why it is refused.
 *
 * - `items/1`, `/items/1`, `./items/1` all resolve to `<basePath>/items/1`:
 *   a leading `/` is relative to the base path, not to the host;
 * - query and fragment are kept as given (the fragment is never sent);
 * - an absolute URL (`https://…`, `//host/…`) is accepted only when it has
 *   the base's scheme and origin and lies under the base path;
 * - `..` (also `%2e%2e`, `\`) is resolved as WHATWG URL does; the result
 *   must stay under the base path.
 *
 * A path that starts with what looks like a scheme (`mailto:`, `items:batch`)
 * is read as an absolute URL: write `./items:batch` for the relative one.
 */
export function resolveRequestUrl(base: URL, path: string): { url: URL } | { refused: string } {
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  let url: URL;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || /^[/\\]{2}/.test(path)) {
    try {
      url = new URL(path, base);
    } catch {
      return { refused: 'not a valid URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: `scheme ${url.protocol} is not http(s)` };
    if (url.protocol !== base.protocol) return { refused: `scheme ${url.protocol} is not the connection's ${base.protocol}` };
    if (url.origin !== base.origin) return { refused: `${url.origin} is not the connection's origin` };
    if (url.username !== '' || url.password !== '') return { refused: 'credentials in the URL (the connection holds the auth)' };
  } else {
    const relative = path.replace(/^(?:\.\/|[/\\])+/, '');
    try {
      url = new URL(basePath + relative, base.origin);
    } catch {
      return { refused: 'not a valid path' };
    }
  }
  const inside = url.pathname === base.pathname || url.pathname.startsWith(basePath);
  if (!inside) return { refused: `${url.pathname} is outside the base path ${basePath}` };
  url.hash = '';
  return { url };
}
