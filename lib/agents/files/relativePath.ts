/** Longest path accepted, in UTF-8 bytes (S3's key limit is 1024 with the prefix). */
export const MAX_PATH_BYTES = 900;

/**
 * Checks a path a logic passed to a file storage agent and returns it
 * normalised (no trailing `/`), or the reason it is refused. Paths are
 * relative and `/`-separated; refused: absolute paths, `..` and `.`
 * segments, empty segments (`a//b`), NUL and other control characters,
 * backslashes and drive letters (a Windows path is never meant as a key),
 * more than {@link MAX_PATH_BYTES} bytes.
 *
 * @param kind  `file`: a non-empty path; `directory`: `''` (the root) is fine and a trailing `/` is dropped
 */
export function checkRelativePath(path: unknown, kind: 'file' | 'directory'): { path: string } | { refused: string } {
  if (typeof path !== 'string') return { refused: 'the path is not a string' };
  if (/[\u0000-\u001f\u007f]/.test(path)) return { refused: 'the path contains a control character' };
  if (path.includes('\\')) return { refused: 'the path contains a backslash' };
  if (/^[A-Za-z]:/.test(path)) return { refused: 'the path starts with a drive letter' };
  if (path.startsWith('/')) return { refused: 'the path is absolute' };
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return { refused: `the path is longer than ${MAX_PATH_BYTES} bytes` };
  const trimmed = kind === 'directory' && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '') return kind === 'directory' ? { path: '' } : { refused: 'the path is empty' };
  for (const segment of trimmed.split('/')) {
    if (segment === '..') return { refused: 'the path has a .. segment' };
    if (segment === '.') return { refused: 'the path has a . segment' };
    if (segment === '') return { refused: 'the path has an empty segment' };
  }
  return { path: trimmed };
}

/** `a/b/c.txt` → `a/b` (`''` at the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `a/b/c.txt` → `c.txt`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a directory path (`''` for the root) and a name. */
export function joinPath(directory: string, name: string): string {
  return directory === '' ? name : `${directory}/${name}`;
}

/** Orders file infos by path, by code point (what S3 listings return for keys of plain text). */
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
