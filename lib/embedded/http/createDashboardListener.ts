import type { RequestListener, ServerResponse } from 'node:http';
import { failureReply } from '../../http/failureReply.js';
import { routeNotFoundReply, type HttpReply } from '../../http/httpResponses.js';
import { decodeRequestPath, splitRequestTarget } from '../../http/requestTarget.js';
import { DASHBOARD_PREFIX } from '../../platform/DashboardAssets.js';

export interface DashboardListenerOptions {
  /** Serves `/sluice/*`: the platform app with the dashboard's files mounted. */
  platform: RequestListener;
  onInternalError?(error: unknown, what: string): void;
}

/**
 * The embedded runtime's dashboard listener, on a port (an origin) of its
 * own: the dashboard keeps the control-plane token in session storage, which
 * any page of its origin can read, so that origin must serve nothing a
 * process controls. It serves `/sluice/*` (the dashboard's files and the
 * platform API they call, same origin) and never a process route:
 *
 * - `/sluice`, `/sluice/...` (decoded as the main listener decodes) → the platform app
 * - `GET /` → 308 to `/sluice/ui/`
 * - anything else → 404
 */
export function createDashboardListener(options: DashboardListenerOptions): RequestListener {
  return (req, res) => {
    const method = req.method ?? 'GET';
    const { rawPath } = splitRequestTarget(req.url ?? '/');
    let path: string;
    try {
      path = decodeRequestPath(rawPath);
    } catch (error) {
      req.resume();
      return write(res, failureReply(error, options.onInternalError, `${method} ${rawPath}`));
    }
    if (path === '/sluice' || path.startsWith('/sluice/')) return options.platform(req, res);
    req.resume();
    if (path === '/' && (method === 'GET' || method === 'HEAD')) return write(res, { status: 308, headers: { location: `${DASHBOARD_PREFIX}/` }, body: '' });
    return write(res, routeNotFoundReply());
  };
}

function write(res: ServerResponse, reply: HttpReply): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}
