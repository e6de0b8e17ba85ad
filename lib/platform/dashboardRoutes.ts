import type { Context } from 'hono';
import type { Hono } from 'hono/tiny';
import { jsonReply, methodNotAllowedReply } from '../http/httpResponses.js';
import { DASHBOARD_PREFIX, type DashboardAssets } from './DashboardAssets.js';

/**
 * The dashboard's static files at `/sluice/ui` and `/sluice/ui/*`, without
 * authentication (they hold no data; every API call the dashboard makes
 * carries the bearer token): mount before the platform's token check.
 *
 * - `GET /sluice/ui` → 308 to `/sluice/ui/`
 * - `GET /sluice/ui/...` → the file, `index.html` for a client route, 404, or 503 when unbuilt
 * - any other method → 405 with `Allow: GET, HEAD`
 */
export function mountDashboardRoutes(app: Hono, dashboard: DashboardAssets): void {
  const serve = async (c: Context) => {
    const answer = await dashboard.respond(c.req.path);
    return c.body(typeof answer.body === 'string' ? answer.body : new Uint8Array(answer.body), answer.status as never, answer.headers);
  };
  const refuse = (c: Context) => {
    const reply = methodNotAllowedReply(c.req.method, c.req.path, ['GET', 'HEAD']);
    return c.body(reply.body, 405, reply.headers);
  };
  app.get(DASHBOARD_PREFIX, serve);
  app.get(`${DASHBOARD_PREFIX}/*`, serve);
  app.all(DASHBOARD_PREFIX, refuse);
  app.all(`${DASHBOARD_PREFIX}/*`, refuse);
}

/**
 * `/sluice/ui` on a listener that must not serve the dashboard (the embedded
 * runtime's main one, whose origin also serves process routes: a route that
 * reflects HTML would run script beside the token in session storage).
 *
 * - `GET`/`HEAD /sluice/ui...` → 308 to the same path and query on the port
 *   `dashboardPort()` names, on the host the client used
 * - `dashboardPort()` undefined (the dashboard is off) → 404 saying so
 * - any other method → 405 with `Allow: GET, HEAD`
 */
export function mountDashboardRedirect(app: Hono, dashboardPort: () => number | undefined): void {
  const redirect = (c: Context) => {
    const port = dashboardPort();
    if (port === undefined) {
      const reply = jsonReply(404, { error: 'NotFound', message: 'the dashboard is off on this runtime' });
      return c.body(reply.body, 404, reply.headers);
    }
    // The request's own URL (host as the client wrote it) with the dashboard's port: another origin.
    const target = new URL(c.req.url);
    target.port = String(port);
    return c.redirect(target.href, 308);
  };
  const refuse = (c: Context) => {
    const reply = methodNotAllowedReply(c.req.method, c.req.path, ['GET', 'HEAD']);
    return c.body(reply.body, 405, reply.headers);
  };
  app.get(DASHBOARD_PREFIX, redirect);
  app.get(`${DASHBOARD_PREFIX}/*`, redirect);
  app.all(DASHBOARD_PREFIX, refuse);
  app.all(`${DASHBOARD_PREFIX}/*`, refuse);
}
