/**
 * Percent-decoding as API Gateway applies it: `rawPath` and path parameters
 * arrive decoded. A malformed escape (`%zz`) is kept as written rather than
 * failing the request.
 */
export function decodeComponent(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A whole path: `/` and other reserved characters stay encoded where they were. */
export function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
