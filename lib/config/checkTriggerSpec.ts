import { assertHttpRoutePath, unreachableRoutePath } from './assertHttpRoutePath.js';
import { routeShapeKey } from './routeShapeKey.js';
import { ConfigError, ConflictError, ValidationError } from '../core/errors.js';
import { staticRouteTaking } from '../http/staticRouteTaking.js';
import { assertLabelPattern, subscriptionId } from '../core/events/EventSubscription.js';
import type { TriggerRecord } from '../core/triggers/TriggerRecord.js';
import type { TriggerSpec } from '../core/triggers/TriggerSpec.js';
import { parseScheduleExpression } from '../schedule/parseScheduleExpression.js';
import { isTimeZone } from '../schedule/zonedTime.js';

/**
 * What a trigger spec is checked against: the processes (their task
 * queues and function timeouts), the declared queues (with their
 * dead-letter queues and visibility timeouts) and
 * `provider.httpApi.authorizers`. A `ServiceManifest` is one; on AWS the
 * deployment catalog carries the same.
 */
export interface TriggerCheckSource {
  /** `timeoutSeconds`: the function timeout, in seconds. */
  processes: ReadonlyArray<{ name: string; taskQueue?: string; timeoutSeconds: number }>;
  /** `visibilityTimeoutSeconds`: the queue's `VisibilityTimeout`, in seconds. */
  queues: ReadonlyArray<{ name: string; visibilityTimeoutSeconds: number; deadLetter?: { queue: string } }>;
  authorizers: ReadonlyArray<{ name: string; type: 'jwt' | 'request' }>;
}

/**
 * Every runtime's checks of a trigger spec (see `TriggerServiceOptions.check`):
 * what API Gateway, EventBridge (Scheduler) or the queue declarations would
 * refuse, and conflicts with the triggers in force, as 400s and 409s naming
 * the field or the trigger in the way. Runtime-neutral: the embedded runtime
 * and the AWS platform function refuse the same specs.
 */
export function checkTriggerSpec(manifest: TriggerCheckSource, process: string, spec: TriggerSpec, others: readonly TriggerRecord[]): TriggerSpec {
  const taskQueue = manifest.processes.find((p) => p.name === process)?.taskQueue;
  const invalid = (path: string, message: string): never => {
    throw new ValidationError(`invalid ${spec.kind} trigger: ${message.startsWith(path) ? message : `${path}: ${message}`}`, [{ path, message }]);
  };
  switch (spec.kind) {
    case 'http': {
      const unreachable = unreachableRoutePath(spec.path);
      if (unreachable) invalid('path', unreachable);
      try {
        assertHttpRoutePath(spec.path, `${spec.method} ${spec.path}`, 'path');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        invalid('path', error.message);
      }
      if (spec.authorizer !== undefined && spec.authorizer !== 'aws_iam') {
        const declared = manifest.authorizers.find((a) => a.name === (spec.authorizer as { name: string }).name);
        if (!declared) invalid('authorizer.name', `no authorizer '${spec.authorizer.name}' in provider.httpApi.authorizers${manifest.authorizers.length ? ` (there: ${manifest.authorizers.map((a) => a.name).join(', ')})` : ''}`);
        if (declared!.type === 'request' && spec.authorizer.scopes !== undefined) invalid('authorizer.scopes', 'only JWT authorizers check scopes');
      }
      if (spec.mode === 'async' && !taskQueue) invalid('mode', `async needs the process's task queue, and '${process}' has none (sluice: { queue: false })`);
      const key = routeShapeKey({ method: spec.method, path: spec.path });
      const taken = others.find((t) => t.spec.kind === 'http' && routeShapeKey({ method: t.spec.method, path: t.spec.path }) === key);
      if (taken) throw new ConflictError(`route '${spec.method} ${spec.path}' conflicts with trigger ${taken.triggerId} ('${(taken.spec as { method: string }).method} ${(taken.spec as { path: string }).path}' of process '${taken.process}')`);
      const statics = others.flatMap((t) => (t.source === 'static' && t.spec.kind === 'http' ? [{ method: t.spec.method, path: t.spec.path }] : []));
      const carved = staticRouteTaking(spec, statics);
      if (carved) {
        throw new ConflictError(
          `route '${spec.method} ${spec.path}' would take requests of the static route '${carved.method} ${carved.path}' (its process and its authorizer): on AWS API Gateway would never send it any, on the embedded runtime it would bypass that route; choose a path no static route matches`,
        );
      }
      return spec;
    }
    case 'schedule': {
      if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) invalid('timezone', `'${spec.timezone}' is not an IANA time zone`);
      try {
        parseScheduleExpression(spec.expression, { rateAnchorMs: Date.now() });
      } catch (error) {
        invalid('expression', (error as Error).message);
      }
      if (spec.startAt !== undefined && spec.endAt !== undefined && Date.parse(spec.startAt) >= Date.parse(spec.endAt)) invalid('endAt', 'must be after startAt');
      if (!taskQueue) invalid('process', `'${process}' has no task queue (sluice: { queue: false }); scheduled tasks are queued`);
      return spec;
    }
    case 'queue': {
      if (spec.batchSize > 10 && spec.maximumBatchingWindow < 1) invalid('maximumBatchingWindow', `a batchSize above 10 (${spec.batchSize}) needs maximumBatchingWindow of at least 1 second (AWS Lambda requires it)`);
      const declared = manifest.queues.find((q) => q.name === spec.queue);
      if (!declared) invalid('queue', `'${spec.queue}' is not declared (queues: ${manifest.queues.map((q) => q.name).join(', ')})`);
      // A task queue carries envelopes only its process can run; its dead-letter queue holds what failed for good.
      const owner = manifest.processes.find((p) => p.taskQueue === spec.queue || (p.taskQueue !== undefined && manifest.queues.find((q) => q.name === p.taskQueue)?.deadLetter?.queue === spec.queue));
      if (owner) invalid('queue', `'${spec.queue}' is ${owner.taskQueue === spec.queue ? 'the task queue' : 'the task dead-letter queue'} of process '${owner.name}': only queues of your own can be subscribed to`);
      // Lambda refuses CreateEventSourceMapping then (a message would reappear while still being processed),
      // as the package step refuses a static one (buildServiceManifest): refused here, before anything is written.
      const timeout = manifest.processes.find((p) => p.name === process)?.timeoutSeconds;
      if (timeout !== undefined && declared!.visibilityTimeoutSeconds < timeout) {
        invalid('queue', `'${spec.queue}' has a visibility timeout of ${declared!.visibilityTimeoutSeconds}s, shorter than the timeout of process '${process}' (${timeout}s): AWS Lambda requires the visibility timeout to be at least the function timeout`);
      }
      const taken = others.find((t) => t.process === process && t.spec.kind === 'queue' && t.spec.queue === spec.queue);
      if (taken) throw new ConflictError(`process '${process}' already consumes queue '${spec.queue}' (trigger ${taken.triggerId})`);
      return spec;
    }
    case 'event': {
      try {
        assertLabelPattern(spec.label, 'label');
      } catch (error) {
        invalid('label', (error as Error).message);
      }
      if (!taskQueue) invalid('process', `'${process}' has no task queue (sluice: { queue: false }); event-triggered tasks are queued`);
      const id = subscriptionId(process, spec);
      const taken = others.find((t) => t.spec.kind === 'event' && t.process === process && subscriptionId(t.process, t.spec) === id);
      if (taken) throw new ConflictError(`process '${process}' already subscribes to these events (trigger ${taken.triggerId})`);
      return spec;
    }
  }
}

/**
 * The queues a process may be subscribed to at run time: declared queues
 * that are neither a task queue nor a task queue's dead-letter queue (what
 * `checkTriggerSpec` accepts). The plugin grants the process functions
 * consume rights on exactly these.
 */
export function subscribableQueues(source: Pick<TriggerCheckSource, 'processes' | 'queues'>): string[] {
  const taskQueues = new Set(source.processes.flatMap((p) => (p.taskQueue !== undefined ? [p.taskQueue] : [])));
  const taskDlqs = new Set(source.queues.filter((q) => taskQueues.has(q.name) && q.deadLetter).map((q) => q.deadLetter!.queue));
  return source.queues.filter((q) => !taskQueues.has(q.name) && !taskDlqs.has(q.name)).map((q) => q.name);
}
