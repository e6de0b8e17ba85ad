import type { StaticTrigger } from '../core/triggers/TriggerService.js';
import type { TriggerSpec } from '../core/triggers/TriggerSpec.js';
import type { RouteAuthorizer } from './httpAuthorizers.js';
import type { HttpRouteManifest, ProcessManifest, ScheduleManifest } from './ServiceManifest.js';

/**
 * The triggers serverless.yml declares, as the registry lists them (static),
 * on every runtime: the embedded one reads them from the manifest, the AWS
 * functions from the deployment catalog the plugin wrote with this function.
 * A process's own task queue is not among them: it is how async tasks,
 * schedules and events reach the process, not a subscription. A schedule
 * carries its rule name (what its firings name on AWS); a route its
 * authorizer (a static trigger's id is its method and path only,
 * `staticTriggerId`: adding the authorizer to the spec kept every id).
 */
export function staticTriggersOf(manifest: { processes: readonly ProcessManifest[] }): StaticTrigger[] {
  return manifest.processes.flatMap((p): StaticTrigger[] => [
    ...p.http.map((route) => ({ process: p.name, spec: staticHttpSpec(route) })),
    ...p.schedules.map((s) => ({ process: p.name, spec: staticScheduleSpec(s), rule: s.rule, ...(s.enabled ? {} : { disabled: true }) })),
    ...p.queues
      .filter((q) => q.queue !== p.taskQueue)
      .map((q) => ({ process: p.name, spec: { kind: 'queue' as const, queue: q.queue, batchSize: q.batchSize, maximumBatchingWindow: q.maximumBatchingWindow }, ...(q.enabled ? {} : { disabled: true }) })),
    ...p.subscriptions.map((s) => ({ process: p.name, spec: { kind: 'event' as const, label: s.label, ...(s.source !== undefined ? { source: s.source } : {}), ...(s.target !== undefined ? { target: s.target } : {}) } })),
  ]);
}

/** A serverless.yml schedule as the registry shows it (and derives its static id from). */
export function staticScheduleSpec(s: ScheduleManifest): Extract<TriggerSpec, { kind: 'schedule' }> {
  return { kind: 'schedule', expression: s.expression, overlap: s.overlap, ...(s.timezone !== undefined ? { timezone: s.timezone } : {}), ...(s.input !== undefined ? { input: s.input } : {}) };
}

/** A serverless.yml route as the registry shows it: sync, with its authorizer in the API's form (none: public). */
export function staticHttpSpec(route: HttpRouteManifest): Extract<TriggerSpec, { kind: 'http' }> {
  const authorizer = route.authorizer === undefined ? undefined : specAuthorizerOf(route.authorizer);
  return { kind: 'http', method: route.method, path: route.path, mode: 'sync', ...(authorizer !== undefined ? { authorizer } : {}) };
}

/** A route's `RouteAuthorizer` as a trigger spec's `authorizer`: `aws_iam`, or `{ name, scopes? }` (scopes only when the JWT route requires some). */
export function specAuthorizerOf(authorizer: RouteAuthorizer): NonNullable<Extract<TriggerSpec, { kind: 'http' }>['authorizer']> {
  switch (authorizer.kind) {
    case 'iam':
      return 'aws_iam';
    case 'request':
      return { name: authorizer.name };
    case 'jwt':
      return authorizer.scopes.length > 0 ? { name: authorizer.name, scopes: authorizer.scopes } : { name: authorizer.name };
  }
}

/**
 * A spec's `authorizer` back as the `RouteAuthorizer` a route manifest carries
 * (`{ name }` is JWT or Lambda by the named authorizer's type): how the AWS
 * platform function, whose process catalog lists routes without their
 * authorizer, gives `/sluice/processes` the static triggers' ones.
 */
export function routeAuthorizerOfSpec(authorizer: Extract<TriggerSpec, { kind: 'http' }>['authorizer'], authorizers: ReadonlyArray<{ name: string; type: 'jwt' | 'request' }>): RouteAuthorizer | undefined {
  if (authorizer === undefined) return undefined;
  if (authorizer === 'aws_iam') return { kind: 'iam' };
  if (authorizers.find((a) => a.name === authorizer.name)?.type === 'request') return { kind: 'request', name: authorizer.name };
  return { kind: 'jwt', name: authorizer.name, scopes: authorizer.scopes ?? [] };
}
