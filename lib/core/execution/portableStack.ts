/**
 * A stack trace without the machine's file layout, fit to be stored in a
 * task record and served by the API.
 *
 * - A location inside `serviceRoot` (the directory of `serverless.yml`; on
 *   Lambda `/var/task`) becomes relative to it: `functions/orders.ts:12:5`.
 * - A location elsewhere keeps only what identifies the code, not where it
 *   lies: from its last `node_modules/` on (`node_modules/zod/v4/…:3:9`), else
 *   `<external>/file.js:3:9`.
 * - `file://` URLs (ES modules) are treated as the paths they name.
 * - `node:internal/...`, `<anonymous>` and other non-paths are kept as they are.
 * - Any other mention of `serviceRoot` (the message lines of the stack) is
 *   made relative too.
 *
 * Only POSIX paths are rewritten: the embedded runtime runs on Linux and
 * macOS, and Lambda on Linux.
 *
 * @param stack an `Error.stack` as V8 formats it
 * @param serviceRoot absolute directory; `undefined` treats every path as external
 */
export function portableStack(stack: string, serviceRoot: string | undefined): string {
  const root = serviceRoot === undefined ? undefined : trimSlash(serviceRoot);
  return stack
    .split('\n')
    .map((line) => (FRAME_LINE.test(line) ? line.replace(FRAME_LOCATION, (_m, lead: string, location: string) => lead + portablePath(location, root)) : line))
    .map((line) => (root === undefined || root === '' ? line : replaceRoot(line, root)))
    .join('\n');
}

const FRAME_LINE = /^\s*at /;
/** A path or file URL that starts a frame location (after `at `, `(` or `, `) and ends before `:line:column`. */
const FRAME_LOCATION = /(^\s*at |\(|, )((?:file:\/\/)?\/[^()]*?)(?=:\d+:\d+)/g;

function portablePath(location: string, root: string | undefined): string {
  let path = location;
  if (path.startsWith('file://')) {
    path = path.slice('file://'.length);
    try {
      path = decodeURIComponent(path);
    } catch {
      // a malformed escape: keep it encoded
    }
  }
  if (root !== undefined && root !== '' && path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 1);
  return `<external>/${path.slice(path.lastIndexOf('/') + 1)}`;
}

function replaceRoot(line: string, root: string): string {
  let out = line;
  for (const prefix of [`file://${root}/`, `${root}/`]) out = out.split(prefix).join('');
  return out;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
