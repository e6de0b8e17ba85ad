import type { ScheduleManifest, ServiceManifest } from '../../config/ServiceManifest.js';
import type { Clock } from '../../core/ports/Clock.js';
import { staticTriggerId } from '../../core/triggers/TriggerService.js';
import { staticRuleId, type ScheduledRule, type ScheduleRunner } from '../workers/ScheduleRunner.js';
import type { RouteAuthorizer } from '../../config/httpAuthorizers.js';
import { assertHttpRoutePath, unreachableRoutePath } from '../../config/assertHttpRoutePath.js';
import { ConfigError, ConflictError, ValidationError } from '../../core/errors.js';
import { assertLabelPattern, subscriptionId } from '../../core/events/EventSubscription.js';
import type { Subscriber } from '../../core/events/eventTasks.js';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { StaticTrigger } from '../../core/triggers/TriggerService.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';
import { parseScheduleExpression } from '../../schedule/parseScheduleExpression.js';
import { isTimeZone } from '../../schedule/zonedTime.js';
import { ProcessRouteTable, shapeKey } from '../../http/ProcessRouteTable.js';
import type { RoutedProcess, RouteTableRef, RouteTarget } from '../http/createHttpListener.js';
import type { QueueConsumer } from '../workers/QueueConsumer.js';

/**
 * The triggers serverless.yml declares, as the registry lists them (static).
 * A process's own task queue is not among them: it is how async tasks,
 * schedules and events reach the process, not a subscription.
 */
export function staticTriggersOf(manifest: ServiceManifest): StaticTrigger[] {
  return manifest.processes.flatMap((p): StaticTrigger[] => [
    ...p.http.map((route) => ({ process: p.name, spec: { kind: 'http' as const, method: route.method, path: route.path, mode: 'sync' as const } })),
    ...p.schedules.map((s) => ({ process: p.name, spec: staticScheduleSpec(s), ...(s.enabled ? {} : { disabled: true }) })),
    ...p.queues
      .filter((q) => q.queue !== p.taskQueue)
      .map((q) => ({ process: p.name, spec: { kind: 'queue' as const, queue: q.queue, batchSize: q.batchSize, maximumBatchingWindow: q.maximumBatchingWindow }, ...(q.enabled ? {} : { disabled: true }) })),
    ...p.subscriptions.map((s) => ({ process: p.name, spec: { kind: 'event' as const, label: s.label, ...(s.source !== undefined ? { source: s.source } : {}), ...(s.target !== undefined ? { target: s.target } : {}) } })),
  ]);
}

/**
 * The embedded runtime's checks of a trigger spec (see `TriggerServiceOptions.check`):
 * what API Gateway, EventBridge or the queue declarations would refuse, and
 * conflicts with the triggers in force, as 400s and 409s naming the field or
 * the trigger in the way.
 */
export function checkTriggerSpec(manifest: ServiceManifest, process: string, spec: TriggerSpec, others: readonly TriggerRecord[]): TriggerSpec {
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
      const key = shapeKey({ method: spec.method, path: spec.path });
      const taken = others.find((t) => t.spec.kind === 'http' && shapeKey({ method: t.spec.method, path: t.spec.path }) === key);
      if (taken) throw new ConflictError(`route '${spec.method} ${spec.path}' conflicts with trigger ${taken.triggerId} ('${(taken.spec as { method: string }).method} ${(taken.spec as { path: string }).path}' of process '${taken.process}')`);
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
      if (!manifest.queues.some((q) => q.name === spec.queue)) invalid('queue', `'${spec.queue}' is not declared (queues: ${manifest.queues.map((q) => q.name).join(', ')})`);
      // A task queue carries envelopes only its process can run; its dead-letter queue holds what failed for good.
      const owner = manifest.processes.find((p) => p.taskQueue === spec.queue || (p.taskQueue !== undefined && manifest.queues.find((q) => q.name === p.taskQueue)?.deadLetter?.queue === spec.queue));
      if (owner) invalid('queue', `'${spec.queue}' is ${owner.taskQueue === spec.queue ? 'the task queue' : 'the task dead-letter queue'} of process '${owner.name}': only queues of your own can be subscribed to`);
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

export interface TriggerEffectsOptions {
  manifest: ServiceManifest;
  routed: ReadonlyMap<string, RoutedProcess>;
  routes: RouteTableRef;
  subscribe(subscribers: readonly Subscriber[]): void;
  /** A consumer of `queue` for `process`, not started. */
  consumerFor(process: string, spec: Extract<TriggerSpec, { kind: 'queue' }>): QueueConsumer;
  /** Told once of each trigger the runtime cannot follow (a runtime route a static one now takes). */
  warn(message: string): void;
  /** Every schedule trigger (paused ones included). */
  schedules(triggers: readonly TriggerRecord[]): void | Promise<void>;
}

/**
 * Makes the embedded runtime follow the registry: the route table swapped
 * whole (effective on the next request), the data-event subscriptions, a
 * queue consumer per active queue trigger (started, stopped), the schedules.
 */
export class TriggerEffects {
  readonly #consumers = new Map<string, QueueConsumer>();
  readonly #warned = new Set<string>();

  constructor(private readonly options: TriggerEffectsOptions) {}

  /** Every queue consumer running for a queue trigger (the runtime drains them on stop). */
  get consumers(): QueueConsumer[] {
    return [...this.#consumers.values()];
  }

  async apply(effective: readonly TriggerRecord[]): Promise<void> {
    const active = effective.filter((t) => !t.paused);
    const { routed, manifest } = this.options;
    // Static routes first (the registry lists them first): a runtime route that a static one declared
    // later now conflicts with is left out, and said so, rather than stopping the start-up.
    const taken = new Map<string, TriggerRecord>();
    const routes = active.flatMap((t) => {
      if (t.spec.kind !== 'http') return [];
      const key = shapeKey({ method: t.spec.method, path: t.spec.path });
      const holder = taken.get(key);
      if (holder) {
        if (!this.#warned.has(t.triggerId)) {
          this.#warned.add(t.triggerId);
          this.options.warn(`trigger ${t.triggerId} ('${t.spec.method} ${t.spec.path}' of '${t.process}') is not served: it matches the same requests as ${holder.source} trigger ${holder.triggerId} ('${(holder.spec as { method: string }).method} ${(holder.spec as { path: string }).path}' of '${holder.process}'); delete or change one of them`);
        }
        return [];
      }
      taken.set(key, t);
      const target: RouteTarget = { routed: routed.get(t.process)!, mode: t.spec.mode };
      const { method, path } = t.spec;
      // A static route keeps what serverless.yml declares with it (its authorizer).
      const declared = t.source === 'static' ? manifest.processes.find((p) => p.name === t.process)?.http.find((r) => r.method === method && r.path === path) : undefined;
      return [{ route: declared ?? { method, path, ...routeAuthorizerOf(t.spec, manifest) }, target }];
    });
    this.options.routes.current = new ProcessRouteTable(routes);
    this.options.subscribe(
      active.flatMap((t) => {
        if (t.spec.kind !== 'event') return [];
        const queue = manifest.processes.find((p) => p.name === t.process)?.taskQueue;
        if (!queue) return [];
        const { label, source, target } = t.spec;
        const filters = { label, ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}) };
        return [{ subscription: { id: subscriptionId(t.process, filters), process: t.process, ...filters }, queue }];
      }),
    );
    const wanted = new Map(active.filter((t) => t.spec.kind === 'queue').map((t) => [t.triggerId, t]));
    for (const [id, consumer] of this.#consumers) {
      if (wanted.has(id)) continue;
      this.#consumers.delete(id);
      await consumer.stop();
    }
    for (const [id, trigger] of wanted) {
      if (this.#consumers.has(id) || trigger.spec.kind !== 'queue') continue;
      const consumer = this.options.consumerFor(trigger.process, trigger.spec);
      this.#consumers.set(id, consumer);
      consumer.start();
    }
    await this.options.schedules(effective.filter((t) => t.spec.kind === 'schedule'));
  }
}

/** A runtime route's `authorizer` as the route table enforces it. */
function routeAuthorizerOf(spec: Extract<TriggerSpec, { kind: 'http' }>, manifest: ServiceManifest): { authorizer?: RouteAuthorizer } {
  const { authorizer } = spec;
  if (authorizer === undefined) return {};
  if (authorizer === 'aws_iam') return { authorizer: { kind: 'iam' } };
  const declared = manifest.authorizers.find((a) => a.name === authorizer.name);
  if (declared?.type === 'request') return { authorizer: { kind: 'request', name: authorizer.name } };
  return { authorizer: { kind: 'jwt', name: authorizer.name, scopes: authorizer.scopes ?? [] } };
}

/** A serverless.yml schedule as the registry shows it (and derives its static id from). */
function staticScheduleSpec(s: ScheduleManifest): Extract<TriggerSpec, { kind: 'schedule' }> {
  return { kind: 'schedule', expression: s.expression, overlap: s.overlap, ...(s.timezone !== undefined ? { timezone: s.timezone } : {}), ...(s.input !== undefined ? { input: s.input } : {}) };
}

/**
 * The schedules of the registry on the embedded {@link ScheduleRunner}: a
 * static trigger paused or resumed pauses its rule; a runtime schedule is a
 * rule of its own (id and rule name: the trigger id), replaced when its spec
 * changes and removed with it. The runner does not persist pauses: the
 * registry applies them again at every start.
 */
export class RegistrySchedules {
  readonly #staticRules = new Map<string, string>();
  /** Runtime rules added, by rule id: the spec they were built from. */
  readonly #added = new Map<string, string>();

  constructor(
    private readonly scheduler: ScheduleRunner,
    manifest: ServiceManifest,
    private readonly clock: Clock,
  ) {
    for (const p of manifest.processes) for (const s of p.schedules) this.#staticRules.set(staticTriggerId(p.name, staticScheduleSpec(s)), staticRuleId(p.name, s.rule));
  }

  /**
   * A schedule trigger's next `n` firings (epoch ms), as its rule will fire
   * them (its time zone, window and rate anchor); undefined for a trigger
   * the runner does not hold.
   */
  upcoming(trigger: TriggerRecord, n: number): number[] | undefined {
    const ruleId = trigger.source === 'static' ? this.#staticRules.get(trigger.triggerId) : this.#added.has(trigger.triggerId) ? trigger.triggerId : undefined;
    if (ruleId === undefined) return undefined;
    try {
      return this.scheduler.upcoming(ruleId, n);
    } catch {
      return undefined;
    }
  }

  async follow(triggers: readonly TriggerRecord[]): Promise<void> {
    const wanted = new Set<string>();
    for (const t of triggers) {
      if (t.spec.kind !== 'schedule') continue;
      if (t.source === 'static') {
        const ruleId = this.#staticRules.get(t.triggerId);
        if (ruleId) this.scheduler.pause(ruleId, t.paused);
        continue;
      }
      wanted.add(t.triggerId);
      const signature = JSON.stringify(t.spec);
      if (this.#added.get(t.triggerId) !== signature) {
        if (this.#added.has(t.triggerId)) await this.scheduler.remove(t.triggerId);
        this.scheduler.add(this.#ruleOf(t, t.spec));
        this.#added.set(t.triggerId, signature);
      }
      this.scheduler.pause(t.triggerId, t.paused);
    }
    for (const ruleId of [...this.#added.keys()]) {
      if (wanted.has(ruleId)) continue;
      await this.scheduler.remove(ruleId);
      this.#added.delete(ruleId);
    }
  }

  #ruleOf(t: TriggerRecord, spec: Extract<TriggerSpec, { kind: 'schedule' }>): ScheduledRule {
    const startAt = spec.startAt !== undefined ? Date.parse(spec.startAt) : undefined;
    const endAt = spec.endAt !== undefined ? Date.parse(spec.endAt) : undefined;
    const schedule = parseScheduleExpression(spec.expression, {
      // A rate() counts from the trigger's creation, as EventBridge counts from a rule's.
      rateAnchorMs: Date.parse(t.createdAt ?? '') || this.clock.now(),
      ...(spec.timezone !== undefined ? { timezone: spec.timezone } : {}),
      ...(startAt !== undefined ? { startAt } : {}),
      ...(endAt !== undefined ? { endAt } : {}),
    });
    return {
      id: t.triggerId,
      process: t.process,
      manifest: { rule: t.triggerId, expression: spec.expression, enabled: true, overlap: spec.overlap, ...(spec.timezone !== undefined ? { timezone: spec.timezone } : {}), ...(spec.input !== undefined ? { input: spec.input } : {}) },
      schedule,
      ...(startAt !== undefined ? { startAt } : {}),
      ...(endAt !== undefined ? { endAt } : {}),
    };
  }
}
