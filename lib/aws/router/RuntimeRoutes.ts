import type { HttpRouteManifest } from '../../config/ServiceManifest.js';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';
import { ProcessRouteTable, shapeKey } from '../../http/ProcessRouteTable.js';
import type { CatalogProcess } from '../config/processCatalog.js';
import type { DynamoTriggerRegistry } from '../DynamoTriggerRegistry.js';

type HttpSpec = Extract<TriggerSpec, { kind: 'http' }>;

/** What a runtime route leads to on AWS. */
export interface RuntimeRouteTarget {
  triggerId: string;
  process: CatalogProcess;
  /** The process's Lambda function (sync routes invoke it). */
  functionName: string;
  mode: HttpSpec['mode'];
  /** Set when the route was registered with one: the router refuses to serve it (see `routerHandler`). */
  authorizer?: HttpSpec['authorizer'];
}

export interface RuntimeRoutesOptions {
  registry: Pick<DynamoTriggerRegistry, 'list' | 'generation'>;
  processes: readonly CatalogProcess[];
  functionNames: Readonly<Record<string, string>>;
  /** Told once of each runtime route left out (it matches the same requests as an older one). */
  warn?(message: string): void;
}

/**
 * The runtime `http` triggers of the registry as a route table, for the
 * router behind the HTTP API's catch-all route: active (not paused) routes
 * of processes this deployment declares, selected with API Gateway's rules
 * (`ProcessRouteTable`, the embedded runtime's table).
 *
 * Freshness: every {@link current} call reads the registry's generation
 * (one strongly consistent `GetItem`, incremented in the same transaction
 * as every registry write) and lists the registry again only when it moved.
 * So a route is served on the first request after its `201`, and a request
 * costs one small read instead of a scan of the whole table (records and
 * their audit history).
 */
export class RuntimeRoutes {
  #cached: { generation: number; table: ProcessRouteTable<RuntimeRouteTarget> } | undefined;
  readonly #byName: Map<string, CatalogProcess>;
  readonly #warned = new Set<string>();

  constructor(private readonly options: RuntimeRoutesOptions) {
    this.#byName = new Map(options.processes.map((p) => [p.name, p]));
  }

  /** The table in force now (see the class comment for its cost). */
  async current(): Promise<ProcessRouteTable<RuntimeRouteTarget>> {
    const generation = await this.options.registry.generation();
    if (this.#cached?.generation === generation) return this.#cached.table;
    // Listed after the generation was read: the list is at least that recent (a write in between
    // moves the generation again, and the next request lists again).
    const table = this.#tableOf(await this.options.registry.list());
    this.#cached = { generation, table };
    return table;
  }

  #tableOf(records: readonly TriggerRecord[]): ProcessRouteTable<RuntimeRouteTarget> {
    const runtime = records
      .filter((r) => r.source === 'runtime' && r.spec.kind === 'http' && !r.paused && this.#byName.has(r.process))
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.triggerId.localeCompare(b.triggerId));
    const taken = new Map<string, TriggerRecord>();
    const routes: Array<{ route: HttpRouteManifest; target: RuntimeRouteTarget }> = [];
    for (const record of runtime) {
      const spec = record.spec as HttpSpec;
      const key = shapeKey({ method: spec.method, path: spec.path });
      const holder = taken.get(key);
      if (holder) {
        // The registry's checks refuse this; a table built from it must not fail on it either.
        if (!this.#warned.has(record.triggerId)) {
          this.#warned.add(record.triggerId);
          this.options.warn?.(`trigger ${record.triggerId} ('${spec.method} ${spec.path}') is not served: it matches the same requests as trigger ${holder.triggerId}`);
        }
        continue;
      }
      taken.set(key, record);
      const process = this.#byName.get(record.process)!;
      routes.push({
        route: { method: spec.method, path: spec.path },
        target: {
          triggerId: record.triggerId,
          process,
          functionName: this.options.functionNames[process.name] ?? process.name,
          mode: spec.mode,
          ...(spec.authorizer !== undefined ? { authorizer: spec.authorizer } : {}),
        },
      });
    }
    return new ProcessRouteTable(routes);
  }
}
