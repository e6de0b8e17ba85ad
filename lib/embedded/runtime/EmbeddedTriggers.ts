import type { ServiceManifest } from '../../config/ServiceManifest.js';
import type { Clock } from '../../core/ports/Clock.js';
import { staticTriggerId } from '../../core/triggers/TriggerService.js';
import { staticRuleId, type ScheduledRule, type ScheduleRunner } from '../workers/ScheduleRunner.js';
import type { RouteAuthorizer } from '../../config/httpAuthorizers.js';
import { subscriptionId } from '../../core/events/EventSubscription.js';
import { staticScheduleSpec } from '../../config/staticTriggersOf.js';
import type { Subscriber } from '../../core/events/eventTasks.js';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';
import { parseScheduleExpression } from '../../schedule/parseScheduleExpression.js';
import { ProcessRouteTable, shapeKey } from '../../http/ProcessRouteTable.js';
import type { RoutedProcess, RouteTableRef, RouteTarget } from '../http/createHttpListener.js';
import type { QueueConsumer } from '../workers/QueueConsumer.js';

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
