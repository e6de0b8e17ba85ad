import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Target } from './resolveTarget.js';
import { signedFetch } from './signedFetch.js';

/** A static file of the dashboard, or `undefined` when there is none at that path. */
export interface DashboardAsset {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export interface DashboardProxyOptions {
  /** Where the API calls go, and how they are authenticated there (SigV4 on AWS, or a bearer token). */
  target: Target;
  /** The dashboard's files: `path` is the request path under `/sluice/ui` (`/sluice/ui/app.js`). */
  assets(path: string): Promise<DashboardAsset | undefined>;
  /** Local port; 0 picks a free one. @default 0 */
  port?: number;
  /** Largest request body forwarded, in bytes. @default 6 MiB (Lambda's synchronous payload limit) */
  maxBodyBytes?: number;
  /** SigV4 credentials. @default the standard chain (`fromNodeProviderChain`) */
  credentials?: AwsCredentialIdentityProvider;
  /** Injectable for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface DashboardProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** What the browser logs in with: random per run, never the upstream credentials. */
  token: string;
  close(): Promise<void>;
}

/** Request headers worth forwarding; everything else (cookies, the local token, hop-by-hop headers) stays here. */
const FORWARDED_REQUEST = ['accept', 'content-type', 'idempotency-key'];
/** Response headers the dashboard reads. */
const FORWARDED_RESPONSE = ['content-type', 'location', 'retry-after', 'x-sluice-task-id'];

/**
 * The dashboard for a deployment whose API the browser cannot call itself:
 * on AWS the platform API is IAM-authorized (SigV4), and a browser holds no
 * AWS credentials. A local server on 127.0.0.1 serves the dashboard's files
 * and forwards its `/sluice/*` calls, signed with this machine's AWS
 * credentials (the standard chain), or with the target's bearer token.
 *
 * The browser proves itself with a token made for this run (any page the
 * user opens could otherwise make requests to 127.0.0.1 that this machine
 * signs); the UI's login form takes it. Only `/sluice/*` is forwarded, with
 * the method, path, query and body unchanged and a few named headers.
 *
 * @throws when the port cannot be bound
 */
export async function startDashboardProxy(options: DashboardProxyOptions): Promise<DashboardProxy> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const maxBodyBytes = options.maxBodyBytes ?? 6 * 1024 * 1024;
  const upstream = upstreamFetch(options.target, options.fetch ?? fetch, options.credentials);
  const base = options.target.url;
  // The upstream URL is a base that paths are appended to: a query or fragment in it would swallow them.
  if (/[?#]/.test(base)) throw new RangeError(`the API URL must not have a query or a fragment: ${base}`);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 502, { error: 'BadGateway', message: `the API at ${base} could not be reached: ${(error as Error).message}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The path as the upstream will resolve it (dot segments, encoded or not, removed), so that
    // `/sluice/../private` cannot pass the prefix check and reach another path with the upstream's credentials.
    const target = normalizedTarget(req.url ?? '/');
    if (target === undefined) return reply(res, 400, { error: 'BadRequest', message: 'malformed request target' });
    const path = target.pathname;
    if (path === '/') {
      res.writeHead(302, { location: '/sluice/ui/' }).end();
      return;
    }
    if (path === '/sluice/ui' || path.startsWith('/sluice/ui/')) {
      const asset = await options.assets(path);
      if (!asset) return reply(res, 404, { error: 'NotFound', message: `no dashboard file ${path}` });
      res.writeHead(asset.status, asset.headers).end(asset.body);
      return;
    }
    if (!path.startsWith('/sluice/')) return reply(res, 404, { error: 'NotFound', message: 'this proxy serves the dashboard (/sluice/ui) and the platform API (/sluice/*) only' });
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply(res, 401, { error: 'Unauthorized', message: 'log in with the token `sluice dashboard` printed' });
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') return reply(res, 413, { error: 'PayloadTooLarge', message: `request bodies are limited to ${maxBodyBytes} bytes` });
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const method = req.method ?? 'GET';
    // The dashboard sends JSON only; signedFetch signs string bodies.
    const answer = await upstream(`${base}${target.pathname}${target.search}`, { method, headers, ...(body.length > 0 ? { body: body.toString('utf8') } : {}) });
    const out: Record<string, string> = {};
    for (const name of FORWARDED_RESPONSE) {
      const value = answer.headers.get(name);
      if (value !== null) out[name] = value;
    }
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The request target with dot segments resolved (also `%2e%2e`), or undefined when it is not an origin-form path. */
function normalizedTarget(raw: string): URL | undefined {
  if (!raw.startsWith('/') || raw.startsWith('//')) return undefined;
  try {
    const url = new URL(raw.replace(/%2e/gi, '.'), 'http://proxy.invalid');
    return url.host === 'proxy.invalid' ? url : undefined;
  } catch {
    return undefined;
  }
}

function upstreamFetch(target: Target, send: typeof fetch, credentials: AwsCredentialIdentityProvider | undefined): typeof fetch {
  switch (target.kind) {
    case 'sigv4':
      return signedFetch({ region: target.region, fetch: send, ...(credentials ? { credentials } : {}) });
    case 'bearer':
      return (input, init = {}) => send(input, { ...init, headers: { ...(init.headers as Record<string, string>), ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) } });
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
