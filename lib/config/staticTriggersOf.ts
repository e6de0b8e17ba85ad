import type { StaticTrigger } from '../core/triggers/TriggerService.js';
import type { TriggerSpec } from '../core/triggers/TriggerSpec.js';
import type { ProcessManifest, ScheduleManifest } from './ServiceManifest.js';

/**
 * The triggers serverless.yml declares, as the registry lists them (static),
 * on every runtime: the embedded one reads them from the manifest, the AWS
 * functions from the deployment catalog the plugin wrote with this function.
 * A process's own task queue is not among them: it is how async tasks,
 * schedules and events reach the process, not a subscription. A schedule
 * carries its rule name (what its firings name on AWS).
 */
export function staticTriggersOf(manifest: { processes: readonly ProcessManifest[] }): StaticTrigger[] {
  return manifest.processes.flatMap((p): StaticTrigger[] => [
    ...p.http.map((route) => ({ process: p.name, spec: { kind: 'http' as const, method: route.method, path: route.path, mode: 'sync' as const } })),
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
