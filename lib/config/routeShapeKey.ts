import { routeSegment } from './assertHttpRoutePath.js';
import type { HttpRouteManifest } from './ServiceManifest.js';

/**
 * What a route matches, whatever its parameters are named: `GET /a/{x}/{y+}`
 * → `GET /a/{}/{+}`. Two routes with the same key match the same requests,
 * which API Gateway refuses (a conflict); shared by the embedded route table
 * and every runtime's trigger checks.
 */
export const routeShapeKey = (route: Pick<HttpRouteManifest, 'method' | 'path'>): string => `${route.method} ${shapeOf(route.path)}`;

const shapeOf = (path: string) =>
  path
    .split('/')
    .map((segment) => {
      const parsed = routeSegment(segment);
      return parsed.kind === 'static' ? segment : parsed.greedy ? '{+}' : '{}';
    })
    .join('/');
