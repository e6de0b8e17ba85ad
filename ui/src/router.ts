import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routing (`#/tasks/abc?x=1`): the server serves one index.html and
 * needs to know no client route; a route never carries the token.
 */
export interface Route {
  /** `['tasks', 'abc']` */
  parts: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  return { parts: path.split('/').filter(Boolean).map(decodeSegment), params: new URLSearchParams(search) };
}

/** A malformed escape (`#/tasks/%E0%A4%A`, a hand-edited address) stays as typed instead of throwing and blanking the page. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** `#/tasks/abc` for `href`s. */
export function href(path: string, params?: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) if (value) search.set(key, value);
  const text = search.toString();
  return `#/${path.replace(/^\//, '')}${text ? `?${text}` : ''}`;
}

export function navigate(path: string, params?: Record<string, string | undefined>): void {
  location.hash = href(path, params);
}
