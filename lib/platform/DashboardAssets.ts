import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build:ui` (scripts/build-ui.mjs) writes the dashboard: `dist/ui` at the package root.
 * A function, not a constant: the AWS platform bundle (CommonJS, where `import.meta` is empty) imports
 * this module through the platform app and must not resolve the path at load time.
 */
export function defaultDashboardRoot(): string {
  return fileURLToPath(new URL('../../dist/ui', import.meta.url));
}

/** The URL prefix the dashboard is served under. */
export const DASHBOARD_PREFIX = '/sluice/ui';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Headers on every dashboard response. The CSP allows only the dashboard's
 * own files (no inline script or style, no other origin): the bundle talks to
 * `/sluice/*` on the same origin with the bearer token, nothing else.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** A hashed asset name as scripts/build-ui.mjs writes them: `main-3FQ2ZKXA.js`. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/** A dashboard answer: status, headers (security headers included) and body. */
export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

/** What a dashboard path resolves to. */
export type DashboardAsset =
  | { kind: 'file'; body: Buffer; contentType: string; /** Hashed: cache forever. */ immutable: boolean }
  /** `/sluice/ui` without its slash: relative asset URLs need it. */
  | { kind: 'redirect'; location: string }
  /** The dashboard was never built (dist/ui is missing). */
  | { kind: 'unbuilt'; message: string }
  | { kind: 'not-found' };

/**
 * The dashboard's static files, looked up under one root directory (by
 * default `dist/ui`). Shared by every server of the dashboard (the embedded
 * runtime today; a local proxy for AWS can reuse it).
 *
 * - `/sluice/ui` → redirect to `/sluice/ui/`; `/sluice/ui/` → `index.html`
 * - `/sluice/ui/assets/<hashed>` → the file, `immutable`
 * - a path without an extension that is no file → `index.html` (client routes)
 * - anything outside the root (`..`, encoded or not, a NUL, a backslash) → not found
 *
 * The files hold no data: they are served without authentication.
 */
export class DashboardAssets {
  readonly #root: string;

  constructor(root: string = defaultDashboardRoot()) {
    this.#root = resolve(root);
  }

  /**
   * @param path the decoded request path, starting with {@link DASHBOARD_PREFIX}
   */
  async lookup(path: string): Promise<DashboardAsset> {
    if (path === DASHBOARD_PREFIX) return { kind: 'redirect', location: `${DASHBOARD_PREFIX}/` };
    if (!path.startsWith(`${DASHBOARD_PREFIX}/`)) return { kind: 'not-found' };
    const index = resolve(this.#root, 'index.html');
    if (!(await isFile(index))) {
      return { kind: 'unbuilt', message: 'the dashboard is not built: run `npm run build:ui` (it writes dist/ui), then reload' };
    }
    const relative = path.slice(DASHBOARD_PREFIX.length + 1);
    if (relative === '') return this.#file(index, false);
    // Refused before touching the file system: traversal, NUL, backslashes (a separator on Windows), hidden files.
    const segments = relative.split('/');
    if (relative.includes('\0') || relative.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) {
      return { kind: 'not-found' };
    }
    const file = resolve(this.#root, ...segments);
    if (!file.startsWith(this.#root + sep)) return { kind: 'not-found' };
    if (await isFile(file)) return this.#file(file, HASHED.test(file));
    // A client route (`/sluice/ui/tasks`) gets the app; a missing file (`x.js`) a 404.
    return extname(file) === '' ? this.#file(index, false) : { kind: 'not-found' };
  }

  /**
   * {@link lookup} as a complete HTTP answer, security headers included: what
   * every server of the dashboard sends (the platform app; `startDashboardProxy`'s
   * `assets` for AWS takes it as it is).
   */
  async respond(path: string): Promise<DashboardResponse> {
    const asset = await this.lookup(path);
    const json = (status: number, body: object): DashboardResponse => ({ status, headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) });
    switch (asset.kind) {
      case 'file':
        return { status: 200, headers: dashboardHeaders(asset), body: asset.body };
      case 'redirect':
        return { status: 308, headers: { ...DASHBOARD_SECURITY_HEADERS, location: asset.location }, body: '' };
      case 'unbuilt':
        return json(503, { error: 'DashboardNotBuilt', message: asset.message });
      case 'not-found':
        return json(404, { error: 'NotFound', message: `no dashboard file '${path.slice(0, 256)}'` });
    }
  }

  async #file(file: string, immutable: boolean): Promise<DashboardAsset> {
    const contentType = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    return { kind: 'file', body: await readFile(file), contentType, immutable };
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The response headers of a found asset: security headers, type, caching. */
export function dashboardHeaders(asset: Extract<DashboardAsset, { kind: 'file' }>): Record<string, string> {
  return {
    ...DASHBOARD_SECURITY_HEADERS,
    'content-type': asset.contentType,
    // index.html names the current hashed files: always revalidated; hashed files never change.
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}
