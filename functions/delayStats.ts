/**
 * A subscribed process: refreshes the warehouse's `delay_stats` aggregate
 * (per origin airport: flights, average departure delay, share of flights
 * more than 15 minutes late) whenever flights were loaded.
 *
 *   serverless.yml:  - dataEvent: flights.loaded     (one task per published event)
 *
 *   claim   -> one refresh per load run: load-flights emits one
 *              `flights.loaded` per file, so a run of 8 files starts 8 tasks
 *              here; the first to take the kv lease `delay-stats/run/<load
 *              task id>` refreshes, the others end at once (`skipped`). Every
 *              event of a run is published with that run's final record, so
 *              the one refresh already sees all of its flights. (Should that
 *              refresh fail for good, the next load run's refresh recomputes
 *              everything: nothing is lost but freshness.)
 *   refresh -> the aggregate computed in the warehouse from `flights` and
 *              merged into `delay_stats` on `origin`: a retried task, a
 *              second run or two runs at once write the same rows
 *              (idempotent; no window where the table is empty)
 *   report  -> emits `delay-stats.refreshed` (db://warehouse/flights ->
 *              db://warehouse/delay_stats), which closes the lineage chain
 *              dataset -> landed file -> flights -> delay_stats
 *
 * `ctx.input` is the triggering event (the process declares no input
 * schema); `ctx.payload.event` has it too.
 */
import { defineProcess, NonRetriableError, type Aggregator, type Logic } from '../lib/index.js';
import { WAREHOUSE_TABLES } from './shared/dataIdentities.js';
import { ensureWarehouse } from './shared/warehouse.js';

export interface DelayStatsRefresh {
  /** The load-flights task whose events this refresh answers. */
  loadTask: string;
  /** `skipped`: another task already refreshed for that load run. */
  status: 'refreshed' | 'skipped';
  /** Rows of `delay_stats` written (origin airports). */
  airports: number;
  /** Flights the aggregate counts. */
  flights: number;
}

/** How long a load run's lease is kept: far longer than its events take to be delivered, short enough not to pile up. */
const LEASE_TTL_SECONDS = 24 * 3600;

const claim: Logic = {
  name: 'claim',
  async run(ctx) {
    // Submitted by hand (POST /sluice/tasks), there is no load run to answer: retrying would not help.
    if (ctx.payload.type !== 'event') throw new NonRetriableError(`delay-stats runs on data events (flights.loaded), not on a ${ctx.payload.type} trigger`);
    const loadTask = ctx.payload.event.taskId;
    ctx.session.set('loadTask', loadTask);
    const key = `delay-stats/run/${loadTask}`;
    // A retry of the task that took the lease finds its own id there and goes on.
    const mine = (await ctx.kv.setIfAbsent(key, ctx.task.id, { ttlSeconds: LEASE_TTL_SECONDS })) || (await ctx.kv.get(key)) === ctx.task.id;
    ctx.session.set('refresh', mine);
    if (!mine) ctx.log.info(`load run ${loadTask} is refreshed by another task: nothing to do`);
  },
};

type StatsRow = { origin: string; flights: string | number; total_delay: string | number; late_flights: string | number };

const refresh: Logic = {
  name: 'refresh',
  async run(ctx) {
    if (!ctx.session.get<boolean>('refresh')) return;
    const warehouse = ctx.db('warehouse');
    await ensureWarehouse(warehouse);
    // COUNT and SUM come back as exact text (BIGINT/NUMERIC): the ratios are computed here, the same on every engine.
    const { rows } = await warehouse.query<StatsRow>(
      `SELECT origin, COUNT(*) AS flights, SUM(delay_minutes) AS total_delay,
              SUM(CASE WHEN delay_minutes > 15 THEN 1 ELSE 0 END) AS late_flights
         FROM flights GROUP BY origin`,
    );
    const refreshedAt = `${ctx.task.startedAt.slice(0, 10)} ${ctx.task.startedAt.slice(11, 19)}`;
    const stats = rows.map((row) => {
      const flights = Number(row.flights);
      const totalDelay = Number(row.total_delay);
      const late = Number(row.late_flights);
      return {
        origin: row.origin,
        flights,
        total_delay: totalDelay,
        late_flights: late,
        avg_delay: Math.round((totalDelay / flights) * 100) / 100,
        delayed_share: Math.round((late / flights) * 1000) / 1000,
        refreshed_at: refreshedAt,
      };
    });
    await warehouse.load('delay_stats', stats, { mode: 'merge', key: 'origin' });
    ctx.session.set('written', { airports: stats.length, flights: stats.reduce((sum, s) => sum + s.flights, 0) });
  },
};

const report: Aggregator<unknown, DelayStatsRefresh> = {
  name: 'report',
  async run(ctx) {
    const loadTask = ctx.session.get<string>('loadTask')!;
    const written = ctx.session.get<{ airports: number; flights: number }>('written');
    if (!written) return { loadTask, status: 'skipped', airports: 0, flights: 0 };
    await ctx.events.emit({
      label: 'delay-stats.refreshed',
      source: WAREHOUSE_TABLES.flights,
      target: WAREHOUSE_TABLES.delayStats,
      meta: { airports: written.airports, flights: written.flights, loadTask },
    });
    ctx.log.info(`delay_stats refreshed: ${written.airports} airport(s), ${written.flights} flight(s)`);
    return { loadTask, status: 'refreshed', ...written };
  },
};

const delayStats = defineProcess({
  name: 'delay-stats',
  description: 'Subscribed to flights.loaded: refreshes the per-airport delay aggregate in the warehouse',
  logics: [claim, refresh],
  aggregator: report,
});

export const handler = delayStats.handler;
