/**
 * Every route of the platform API (`/sluice/*`), declared once.
 *
 * The Hono app (`createPlatformApp` and its route modules) implements them
 * (a test compares the app's routes with this list, both ways), the plugin
 * turns the ones served on AWS into the platform function's HTTP API routes
 * (IAM-authorized but `public` ones), and the CLI and the dashboard call
 * them. Adding a route is one line here and its handler.
 *
 * Paths use API Gateway's syntax (`{taskId}`, greedy `{key+}`);
 * `honoPath` gives the app's (`:taskId`, `*`).
 */
export interface PlatformRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Answered without credentials (health, the dashboard's files). */
  public?: true;
  /**
   * Served only by the embedded runtime: the queue console (on AWS the SQS
   * console and `StartMessageMoveTask` do this) and the dashboard's files
   * (on AWS, `sluice dashboard` serves them locally).
   */
  embeddedOnly?: true;
}

export const PLATFORM_ROUTES: readonly PlatformRoute[] = [
  { method: 'GET', path: '/sluice/health', public: true },
  { method: 'GET', path: '/sluice/processes' },
  { method: 'POST', path: '/sluice/tasks' },
  { method: 'GET', path: '/sluice/tasks' },
  // Literals before {taskId} for people reading the list; API Gateway and Hono's router pick the literal route whatever the order.
  { method: 'GET', path: '/sluice/tasks/counts' },
  { method: 'POST', path: '/sluice/tasks/replay' },
  { method: 'GET', path: '/sluice/tasks/{taskId}' },
  { method: 'POST', path: '/sluice/tasks/{taskId}/cancel' },
  { method: 'POST', path: '/sluice/tasks/{taskId}/replay' },
  { method: 'GET', path: '/sluice/kv' },
  { method: 'GET', path: '/sluice/kv/{key+}' },
  { method: 'PUT', path: '/sluice/kv/{key+}' },
  { method: 'DELETE', path: '/sluice/kv/{key+}' },
  { method: 'GET', path: '/sluice/events' },
  { method: 'GET', path: '/sluice/events/{eventId}' },
  { method: 'GET', path: '/sluice/lineage' },
  { method: 'GET', path: '/sluice/openlineage/events' },
  { method: 'GET', path: '/sluice/triggers' },
  { method: 'POST', path: '/sluice/triggers' },
  { method: 'GET', path: '/sluice/triggers/{id}' },
  { method: 'PATCH', path: '/sluice/triggers/{id}' },
  { method: 'DELETE', path: '/sluice/triggers/{id}' },
  { method: 'GET', path: '/sluice/triggers/{id}/history' },
  { method: 'POST', path: '/sluice/triggers/{id}/fire' },
  { method: 'GET', path: '/sluice/queues', embeddedOnly: true },
  { method: 'GET', path: '/sluice/queues/{queue}/messages', embeddedOnly: true },
  { method: 'POST', path: '/sluice/queues/{queue}/messages', embeddedOnly: true },
  { method: 'POST', path: '/sluice/queues/{queue}/messages/{messageId}/replay', embeddedOnly: true },
  { method: 'POST', path: '/sluice/queues/{queue}/redrive', embeddedOnly: true },
  { method: 'POST', path: '/sluice/queues/{queue}/purge', embeddedOnly: true },
  // The dashboard's files: no data in them, so no token (its API calls carry one).
  { method: 'GET', path: '/sluice/ui', public: true, embeddedOnly: true },
  { method: 'GET', path: '/sluice/ui/{file+}', public: true, embeddedOnly: true },
];

/** The routes the AWS platform function serves (API Gateway routes them to it; all but public ones IAM-authorized). */
export const AWS_PLATFORM_ROUTES = PLATFORM_ROUTES.filter((route) => !route.embeddedOnly);

/** A route's path in Hono's syntax: `{name}` → `:name`, a greedy `{name+}` → `*`. */
export function honoPath(path: string): string {
  return path.replace(/\{[^}]+\+\}/g, '*').replace(/\{([^}]+)\}/g, ':$1');
}
