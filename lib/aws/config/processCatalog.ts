import * as z from 'zod';
import type { HttpMethod, HttpRouteManifest, ProcessManifest, QueueTriggerManifest } from '../../config/ServiceManifest.js';
import { taskQueueName } from '../../config/sluiceNames.js';

/**
 * The process catalog the platform function needs for `GET /sluice/processes`
 * and to route `POST /sluice/tasks`, carried in one environment variable.
 *
 * Lambda allows 4 KB for all environment variables together, so the wire
 * form is terse: one object per process,
 * `{"n":"orders-sync","q":1,"t":30,"h":["POST /orders/sync"],"s":[["orders-sync-schedule-1","cron(0 2 * * ? *)",1]]}`
 * - `n` name; `q: 1` when it has a task queue (its name is derived, see
 *   `taskQueueName`); `t` timeout seconds;
 * - `h` routes as `METHOD /path`; `s` schedules as `[rule, expression, enabled 0|1]`;
 *   `u` queue triggers as `[queue, batchSize, enabled 0|1, batchingWindow]`
 *   (each omitted when empty).
 */
export interface CatalogProcess {
  name: string;
  /** Name of the task queue; absent when the process has none. */
  taskQueue?: string;
  timeoutSeconds: number;
  http: HttpRouteManifest[];
  queues: QueueTriggerManifest[];
  schedules: Array<{ rule: string; expression: string; enabled: boolean }>;
}

const wireSchema = z.array(
  z.strictObject({
    n: z.string().min(1),
    q: z.literal(1).optional(),
    t: z.number().int().min(1).max(900),
    h: z.array(z.string().regex(/^[A-Z]+ \/\S*$/)).optional(),
    s: z.array(z.tuple([z.string().min(1), z.string().min(1), z.union([z.literal(0), z.literal(1)])])).optional(),
    u: z.array(z.tuple([z.string().min(1), z.number().int().min(1), z.union([z.literal(0), z.literal(1)]), z.number().int().min(0)])).optional(),
  }),
);

type WireProcess = z.infer<typeof wireSchema>[number];

/** The catalog of `processes`, as the `SLUICE_PROCESS_CATALOG` value. */
export function encodeProcessCatalog(processes: readonly ProcessManifest[]): string {
  const wire = processes.map((process): WireProcess => {
    const entry: WireProcess = { n: process.name, t: process.timeoutSeconds };
    if (process.taskQueue !== undefined) entry.q = 1;
    if (process.http.length > 0) entry.h = process.http.map((route) => `${route.method} ${route.path}`);
    if (process.queues.length > 0) {
      entry.u = process.queues.map((q) => [q.queue, q.batchSize, q.enabled ? 1 : 0, q.maximumBatchingWindow]);
    }
    if (process.schedules.length > 0) {
      entry.s = process.schedules.map((schedule) => [schedule.rule, schedule.expression, schedule.enabled ? 1 : 0]);
    }
    return entry;
  });
  return JSON.stringify(wire);
}

/**
 * Parses a `SLUICE_PROCESS_CATALOG` value.
 *
 * @throws {Error} (zod or JSON) when the value is not a catalog; the caller names the variable
 */
export function decodeProcessCatalog(text: string, names: { service: string; stage: string }): CatalogProcess[] {
  const wire = wireSchema.parse(JSON.parse(text));
  return wire.map((entry) => {
    const process: CatalogProcess = {
      name: entry.n,
      timeoutSeconds: entry.t,
      http: (entry.h ?? []).map((route) => {
        const space = route.indexOf(' ');
        return { method: route.slice(0, space) as HttpMethod, path: route.slice(space + 1) };
      }),
      queues: (entry.u ?? []).map(([queue, batchSize, enabled, maximumBatchingWindow]) => ({ queue, batchSize, enabled: enabled === 1, maximumBatchingWindow })),
      schedules: (entry.s ?? []).map(([rule, expression, enabled]) => ({ rule, expression, enabled: enabled === 1 })),
    };
    if (entry.q === 1) process.taskQueue = taskQueueName(names.service, names.stage, entry.n);
    return process;
  });
}
