import { describe, expect, it } from 'vitest';
import { createPlatformApp } from '../../../lib/platform/createPlatformApp.js';
import { AWS_PLATFORM_ROUTES, honoPath, PLATFORM_ROUTES } from '../../../lib/platform/platformRoutes.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

/** Stand-ins: mounting a route group calls nothing on its port. */
const port = {} as never;

function appWithEverything() {
  return createPlatformApp({
    store: new MemoryTaskStore(),
    processes: [],
    submit: port,
    auth: { kind: 'none' } as never,
    maxPayloadBytes: 1024,
    queues: port,
    kv: port,
    events: port,
    openLineage: { namespace: 'n', producer: 'p' } as never,
    triggers: { triggers: port, actor: () => 'test' } as never,
    control: port,
    dashboard: port,
  });
}

describe('the platform routes, declared once', () => {
  it('are exactly what the Hono app serves, both ways', () => {
    const served = appWithEverything()
      .routes.filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path}`);
    const declared = PLATFORM_ROUTES.map((route) => `${route.method} ${honoPath(route.path)}`);
    expect([...new Set(served)].sort()).toEqual([...declared].sort());
  });

  it('give API Gateway every route but the embedded-only ones, in its syntax', () => {
    expect(AWS_PLATFORM_ROUTES.some((route) => route.path.startsWith('/sluice/queues'))).toBe(false);
    expect(AWS_PLATFORM_ROUTES.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['POST /sluice/tasks/{taskId}/cancel', 'POST /sluice/tasks/{taskId}/replay', 'POST /sluice/tasks/replay', 'GET /sluice/kv/{key+}']),
    );
    expect(AWS_PLATFORM_ROUTES.some((route) => route.path.startsWith('/sluice/ui'))).toBe(false);
    expect(AWS_PLATFORM_ROUTES.filter((route) => route.public).map((route) => route.path)).toEqual(['/sluice/health']);
    expect(honoPath('/sluice/kv/{key+}')).toBe('/sluice/kv/*');
    expect(honoPath('/sluice/queues/{queue}/messages/{messageId}/replay')).toBe('/sluice/queues/:queue/messages/:messageId/replay');
  });
});
