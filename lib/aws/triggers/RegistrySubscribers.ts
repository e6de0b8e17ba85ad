import type { Subscriber } from '../../core/events/eventTasks.js';
import { subscriptionId } from '../../core/events/EventSubscription.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { TriggerRegistry } from '../../core/ports/TriggerRegistry.js';
import { staticTriggerId } from '../../core/triggers/TriggerService.js';

/** How long a dispatcher container keeps the subscriptions it read. */
export const SUBSCRIBERS_CACHE_MS = 30_000;

export interface RegistrySubscribersOptions {
  registry: TriggerRegistry;
  /** serverless.yml's `dataEvent` subscriptions (the catalog's), with their task queues. */
  statics: readonly Subscriber[];
  /** Each process's task queue (a runtime subscription's tasks go there). */
  taskQueues: Readonly<Record<string, string>>;
  clock: Clock;
  /** @default SUBSCRIBERS_CACHE_MS */
  cacheMs?: number;
}

/**
 * The event dispatcher's effective subscriptions: the static ones unless
 * paused in the registry, plus the registry's runtime `event` triggers that
 * are not paused (of processes with a task queue). Read with one `Scan` of
 * the trigger table and kept per container for {@link SUBSCRIBERS_CACHE_MS}
 * (30 s): a subscription created, paused or deleted takes effect on events
 * published at most that long after (the dispatcher's batches would
 * otherwise each cost a scan). The subscription id is the same derived id
 * as on the embedded runtime, so tasks ids are too.
 */
export class RegistrySubscribers {
  #cached: { atMs: number; subscribers: Subscriber[] } | undefined;

  constructor(private readonly options: RegistrySubscribersOptions) {}

  async current(): Promise<readonly Subscriber[]> {
    const now = this.options.clock.now();
    if (this.#cached && now - this.#cached.atMs < (this.options.cacheMs ?? SUBSCRIBERS_CACHE_MS)) return this.#cached.subscribers;
    const stored = await this.options.registry.list();
    const paused = new Set(stored.filter((r) => r.paused).map((r) => r.triggerId));
    const statics = this.options.statics.filter(({ subscription: s }) => {
      const spec = { kind: 'event' as const, label: s.label, ...(s.source !== undefined ? { source: s.source } : {}), ...(s.target !== undefined ? { target: s.target } : {}) };
      return !paused.has(staticTriggerId(s.process, spec));
    });
    const runtime = stored.flatMap((r): Subscriber[] => {
      if (r.source !== 'runtime' || r.paused || r.spec.kind !== 'event') return [];
      const queue = this.options.taskQueues[r.process];
      if (queue === undefined) return [];
      const { label, source, target } = r.spec;
      const filters = { label, ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}) };
      return [{ subscription: { id: subscriptionId(r.process, filters), process: r.process, ...filters }, queue }];
    });
    this.#cached = { atMs: now, subscribers: [...statics, ...runtime] };
    return this.#cached.subscribers;
  }
}
