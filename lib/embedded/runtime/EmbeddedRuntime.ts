import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { loadServiceManifest } from '../../config/loadServiceManifest.js';
import type { ServiceManifest } from '../../config/ServiceManifest.js';
import { ConfigError } from '../../core/errors.js';
import { type Clock } from '../../core/ports/Clock.js';
import { systemClock } from '../../core/time/systemClock.js';
import { isoTime } from '../../core/time/isoTime.js';
import { scheduledDelivery } from '../../core/runner/scheduledDelivery.js';
import { dispatchScheduledTask, SCHEDULE_MAX_ATTEMPTS, submitHttpTask, submitTask, type SubmitRequest, type SubmittableProcess } from '../../core/runner/submitTask.js';
import { PlatformIngest } from '../../platform/PlatformIngest.js';
import { TaskRunner } from '../../core/runner/TaskRunner.js';
import { TaskControl } from '../../core/control/TaskControl.js';
import { createPlatformApp, type PlatformAppOptions } from '../../platform/createPlatformApp.js';
import { DashboardAssets } from '../../platform/DashboardAssets.js';
import { parseScheduleExpression } from '../../schedule/parseScheduleExpression.js';
import { answerClientError } from '../http/answerClientError.js';
import { createHttpListener } from '../http/createHttpListener.js';
import { createDashboardListener } from '../http/createDashboardListener.js';
import { openEmbeddedStorage, type EmbeddedStorage } from '../sqlite/EmbeddedStorage.js';
import { QueueConsumer } from '../workers/QueueConsumer.js';
import { ScheduleRunner, staticRuleId, type ScheduledRule } from '../workers/ScheduleRunner.js';
import { applyProcessEnvironment } from './applyProcessEnvironment.js';
import { loadProcesses, type LoadedProcess } from './loadProcesses.js';
import { resolveApiToken } from './resolveApiToken.js';
import { resolveDevJwtKey } from './resolveDevJwtKey.js';
import { devIssuerAuthorizers } from '../../config/httpAuthorizers.js';
import { consoleRuntimeLog, type RuntimeLog } from './RuntimeLog.js';
import { Semaphore } from './Semaphore.js';
import { SqliteQueueConsole } from './SqliteQueueConsole.js';
import { WorkerTaskExecutor } from './WorkerTaskExecutor.js';
import { prepareEmbeddedAgents, type EmbeddedAgents } from './prepareAgents.js';
import { kvDatabasePath, SqliteKeyValueStore } from '../sqlite/SqliteKeyValueStore.js';
import { SqliteTriggerRegistry } from '../sqlite/SqliteTriggerRegistry.js';
import { TriggerService } from '../../core/triggers/TriggerService.js';
import { fireTrigger } from '../../core/triggers/fireTrigger.js';
import { RegistrySchedules, TriggerEffects } from './EmbeddedTriggers.js';
import { checkTriggerSpec } from '../../config/checkTriggerSpec.js';
import { staticTriggersOf } from '../../config/staticTriggersOf.js';
import { ProcessRouteTable } from '../../http/ProcessRouteTable.js';
import { RouteAuthorizers } from '../http/RouteAuthorizers.js';
import type { RouteTableRef, RouteTarget } from '../http/createHttpListener.js';
import { jobNamespaceOf } from '../../core/openlineage/jobNamespaceOf.js';
import { runEventsOf, type OpenLineageSource } from '../../core/openlineage/runEventsOf.js';
import { toSummary, type TaskRecord } from '../../core/task/TaskRecord.js';
import { failedTaskLogLine } from '../../core/task/failedTaskLogLine.js';
import type { DataEvent } from '../../core/events/DataEvent.js';
import { OpenLineageEmitter } from '../../agents/openlineage/OpenLineageEmitter.js';
import { EnvSecretResolver } from '../../agents/secrets/EnvSecretResolver.js';
import { SLUICE_PRODUCER, SLUICE_VERSION } from '../../platform/sluiceVersion.js';

export interface EmbeddedRuntimeOptions {
  /** Path of serverless.yml. */
  configPath: string;
  /** Where the database and the generated API token live. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  stage?: string;
  /** Control-plane bearer token; default SLUICE_API_TOKEN, else generated into `<dataDir>/api-token`. */
  apiToken?: string;
  /** Record `running` before each task starts. Default: `custom.sluice.trackRunning`, else true. */
  trackRunning?: boolean;
  /** `normal` survives process crashes (kill -9); `full` also power loss, slower. Default normal. */
  durability?: 'normal' | 'full';
  /** Wait this long for running tasks on stop before releasing them. Default: the longest function timeout, at most 30 s. */
  shutdownGraceMs?: number;
  clock?: Clock;
  log?: RuntimeLog;
  env?: NodeJS.ProcessEnv;
  /** Most worker threads per function. Default: the machine's cores, at most 4. */
  workersPerFunction?: number;
  /** The built dashboard served at `/sluice/ui` on the dashboard's port. Default: the package's `dist/ui` (`npm run build:ui`). */
  dashboardRoot?: string;
  /**
   * The dashboard's own listener (same host): its port, 0 for any free one, or
   * `off`. A separate origin, because the dashboard keeps the API token in
   * session storage and the main port serves process routes, which may
   * reflect HTML. Default: `port` + 1, or 0 when `port` is 0.
   */
  dashboardPort?: number | 'off';
}

/** Lambda's (and the Serverless Framework's) `memorySize` when none is declared. */
const LAMBDA_DEFAULT_MEMORY_MB = 1024;

/** Retention sweeps run this often. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * The embedded runtime: every data process of a serverless.yml on one
 * machine, with durable SQLite storage. It wires the same core as the
 * Lambda handlers (TaskRunner, submitTask) to embedded adapters:
 *
 * - HTTP on node:http: the processes' sync routes (served directly) and the
 *   platform API under /sluice (a Hono app); the dashboard and that API
 *   again on a second port, its own origin (see `dashboardPort`);
 * - a {@link QueueConsumer} per queue trigger (each process's task queue
 *   included, which carries async submissions and schedules);
 * - a {@link ScheduleRunner} for `schedule` events.
 */
export class EmbeddedRuntime {
  #server: Server | undefined;
  #dashboardServer: Server | undefined;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #sweep: ReturnType<Clock['setTimeout']> | undefined;

  private constructor(
    readonly manifest: ServiceManifest,
    readonly processes: readonly LoadedProcess[],
    readonly storage: EmbeddedStorage,
    /** The node:http request listener (process routes + the platform API). */
    readonly listener: RequestListener,
    /** The dashboard's listener (its files and the platform API, no process route); undefined when off. */
    readonly dashboardListener: RequestListener | undefined,
    readonly apiToken: string,
    /** Every queue consumer running now: the task queues', and the queue triggers' (which change at run time). */
    private readonly consumers: { all(): QueueConsumer[] },
    private readonly scheduler: ScheduleRunner,
    private readonly slots: ReadonlyMap<string, Semaphore>,
    private readonly executor: WorkerTaskExecutor,
    private readonly agents: EmbeddedAgents,
    private readonly kv: SqliteKeyValueStore,
    private readonly stoppingFlag: { value: boolean },
    private readonly options: Required<Pick<EmbeddedRuntimeOptions, 'host' | 'port' | 'shutdownGraceMs' | 'dashboardPort'>> & { clock: Clock; log: RuntimeLog },
  ) {}

  /** Loads serverless.yml and the process modules, opens storage, starts serving. */
  static async start(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime> {
    const clock = options.clock ?? systemClock;
    const log = options.log ?? consoleRuntimeLog();
    const env = options.env ?? process.env;
    const manifest = await loadServiceManifest({ configPath: options.configPath, env, ...(options.stage ? { stage: options.stage } : {}) });
    if (manifest.lambdaOnlyKeys) log.warn(`these keys configure Lambda on AWS and have no effect on the embedded runtime: ${manifest.lambdaOnlyKeys.join(', ')}`);
    const shellEnv = stringEnv(env);
    applyProcessEnvironment(manifest, env, log);
    const processes = await loadProcesses(manifest);
    const rules = parseSchedules(processes, clock.now());

    const port = options.port ?? 3000;
    const dashboardPort = options.dashboardPort ?? defaultDashboardPort(port);
    // Before the database: a token refused (too short) must leave nothing behind.
    const apiToken = resolveApiToken({ explicit: options.apiToken, env, dataDir: options.dataDir, onTightened: (message) => log.warn(message) });
    // JWT authorizers on the dev issuer verify against the data directory's dev key pair (generated once, 0600).
    const devKey = devIssuerAuthorizers(manifest.authorizers, manifest.settings.authorizers).length > 0 ? resolveDevJwtKey({ dataDir: options.dataDir, onTightened: (message) => log.warn(message) }) : undefined;
    const storage = openEmbeddedStorage({ dataDir: options.dataDir, clock, synchronous: options.durability ?? 'normal', onTightened: (message) => log.warn(message) });
    let agents: EmbeddedAgents | undefined;
    let kv: SqliteKeyValueStore | undefined;
    try {
      storage.queues.declare(manifest.queues);
      const recovery = storage.recover();
      if (recovery.releasedMessages > 0) log.warn(`released ${recovery.releasedMessages} message(s) left in flight by a previous run; they will be delivered again`);
      if (recovery.failedTasks.length > 0) log.warn(`marked ${recovery.failedTasks.length} interrupted task(s) failed (no message will deliver them any more)`);

      agents = await prepareEmbeddedAgents(manifest, { env, dataDir: options.dataDir });
      const embeddedAgents = agents;
      // ctx.kv: one SQLite file every worker thread opens its own connection to; this one serves /sluice/kv and purges.
      const kvSettings = { path: kvDatabasePath(options.dataDir), ...manifest.settings.kv };
      kv = new SqliteKeyValueStore({ ...kvSettings, clock, onTightened: (message) => log.warn(message) });
      kv.startPurging(SWEEP_INTERVAL_MS); // stopped by kv.close()
      const retentionSeconds = manifest.settings.retentionDays * 86_400;
      const concurrencyOf = (p: LoadedProcess) => p.manifest.reservedConcurrency ?? manifest.settings.defaultConcurrency;
      const executor = new WorkerTaskExecutor({
        functions: processes.map((p) => {
          const grants = embeddedAgents.grantsFor(p.manifest.name);
          return {
            name: p.manifest.name,
            file: p.manifest.handler.file,
            exportName: p.manifest.handler.export,
            // Like Lambda, each function sees its own environment; a variable set in the shell still wins.
            env: { ...p.manifest.environment, ...shellEnv },
            memorySizeMb: p.manifest.memorySizeMb ?? LAMBDA_DEFAULT_MEMORY_MB,
            // Stored stack traces are relative to the service, as on Lambda (/var/task).
            serviceRoot: manifest.serviceDir,
            concurrency: concurrencyOf(p),
            ...(grants ? { agents: grants } : {}),
            kv: kvSettings,
            maxChainDepth: manifest.settings.events.maxChainDepth,
          };
        }),
        clock,
        log,
        events: storage.events,
        ...(options.workersPerFunction ? { workersPerFunction: options.workersPerFunction } : {}),
      });
      const openLineage = openLineageSourceOf(manifest);
      const pushLineage = await openLineagePush(manifest, openLineage, env, log);
      const runner = new TaskRunner({
        store: storage.tasks,
        clock,
        retentionSeconds,
        trackRunning: options.trackRunning ?? manifest.settings.trackRunning ?? true,
        executor,
        onFinished: (record, events) => {
          pushLineage?.(record, events);
          const line = failedTaskLogLine(record);
          if (line) log.warn(`task ${record.taskId} of '${record.process}' ${record.status}${record.error ? `: ${record.error.name}: ${record.error.message.slice(0, 500)}` : ''}`);
        },
      });
      const submitDeps = { dispatcher: storage.dispatcher, clock, retentionSeconds };
      storage.setRunningCheck((taskId) => runner.isRunning(taskId));
      const slots = new Map(processes.map((p) => [p.manifest.name, new Semaphore(concurrencyOf(p))]));

      let runtime: EmbeddedRuntime | undefined;
      const stopping = { value: false };
      const platformOptions = {
        processes: processes.map((p) => p.platform),
        submit: (process: SubmittableProcess, request: SubmitRequest) => submitTask(process, request, submitDeps),
        auth: { kind: 'bearer', token: apiToken } as const,
        maxPayloadBytes: manifest.settings.maxPayloadBytes,
        queues: new SqliteQueueConsole(storage.queues, manifest.queues),
      };
      const ingest = new PlatformIngest(platformOptions);

      // Triggers: serverless.yml's (static) and the registry's (runtime), followed live by the route
      // table, the event subscriptions, the queue consumers and the schedules.
      const consumerOf = (p: LoadedProcess, queue: string, batchSize: number, batchingWindowSeconds: number) =>
        new QueueConsumer({
          queue,
          batchSize,
          batchingWindowSeconds,
          maxReceiveCount: manifest.queues.find((q) => q.name === queue)?.deadLetter?.maxReceiveCount,
          process: p.runnable,
          slots: slots.get(p.manifest.name)!,
          queues: storage.queues,
          runner,
          clock,
          log,
        });
      const byName = new Map(processes.map((p) => [p.manifest.name, p]));
      const scheduler = new ScheduleRunner(
        rules,
        async (rule, scheduledTimeMs, catchUp) => {
          const target = byName.get(rule.process)!;
          const firing = { rule: rule.manifest.rule, scheduledTimeMs, input: rule.manifest.input, catchUp };
          if (target.manifest.taskQueue) {
            await dispatchScheduledTask(target.platform, firing, submitDeps);
            return;
          }
          // No task queue (`sluice: { queue: false }`): run in process, as EventBridge
          // invokes a Lambda, with up to 3 attempts; not durable across a crash.
          const release = await slots.get(target.manifest.name)!.acquire();
          try {
            for (let attempt = 1; attempt <= SCHEDULE_MAX_ATTEMPTS; attempt++) {
              const { decision } = await runner.deliver(target.runnable, scheduledDelivery(target.manifest.name, firing, clock.now()));
              if (decision !== 'retry') break;
            }
          } finally {
            release();
          }
        },
        clock,
        log,
        { state: storage.schedules, catchUp: manifest.settings.scheduleCatchUp ?? 'latest', lookupTask: (taskId) => storage.tasks.get(taskId) },
      );
      const scheduleRules = new RegistrySchedules(scheduler, manifest, clock);
      const routed = new Map(processes.map((p) => [p.manifest.name, { process: p.runnable, routes: p.manifest.http, slots: slots.get(p.manifest.name)! }]));
      const routes: RouteTableRef = { current: new ProcessRouteTable<RouteTarget>([]) };
      const effects = new TriggerEffects({
        manifest,
        routed,
        routes,
        subscribe: (subscribers) => storage.subscribe(subscribers, { retentionSeconds, maxChainDepth: manifest.settings.events.maxChainDepth }),
        consumerFor: (process, spec) => consumerOf(byName.get(process)!, spec.queue, spec.batchSize, spec.maximumBatchingWindow),
        schedules: (triggers) => scheduleRules.follow(triggers),
        warn: (message) => log.warn(message),
      });
      const triggers = new TriggerService({
        registry: new SqliteTriggerRegistry(storage.db),
        statics: staticTriggersOf(manifest),
        processes: new Set(byName.keys()),
        clock,
        check: (process, spec, others) => checkTriggerSpec(manifest, process, spec, others),
        apply: (effective) => effects.apply(effective),
        warn: (message) => log.warn(message),
      });
      await triggers.start();

      const platformAppOptions: PlatformAppOptions = {
        ...platformOptions,
        kv,
        events: storage.events,
        openLineage,
        triggers: {
          triggers,
          actor: () => 'api-token',
          // The runner holds every schedule trigger's rule (apply runs before a write returns): its own next firings.
          describe: (record) => {
            const next = record.spec.kind === 'schedule' ? scheduleRules.upcoming(record, 5) : undefined;
            return next ? { next: next.map(isoTime) } : {};
          },
          fire: (record, input) => fireTrigger(record, input, byName.get(record.process)!.platform, { submitDeps, nowMs: clock.now() }),
        },
        ingest,
        store: storage.tasks,
        clock,
        // A running task is reached through the runner that holds it (the worker thread is told).
        control: new TaskControl({ ...submitDeps, store: storage.tasks, processes: platformOptions.processes, signalCancel: (taskId) => runner.requestCancel(taskId) }),
        onInternalError: (error, request) => log.error(`${request.method} ${request.path} failed`, error),
      };
      // The main port's /sluice/ui sends the browser to the dashboard's own origin (see `dashboardPort`).
      const platform = createPlatformApp({ ...platformAppOptions, dashboardElsewhere: () => runtime?.dashboardPort });
      const dashboardListener =
        dashboardPort === 'off'
          ? undefined
          : createDashboardListener({
              platform: getRequestListener(createPlatformApp({ ...platformAppOptions, dashboard: new DashboardAssets(options.dashboardRoot) }).fetch),
              onInternalError: (error, what) => log.error(`${what} failed`, error),
            });
      const listener = createHttpListener({
        processes: [...routed.values()],
        routes,
        // A route protected on AWS is protected here too (JWT, Lambda and IAM authorizers).
        authorizers: new RouteAuthorizers(manifest, { now: () => clock.now(), region: manifest.region, onError: (error, what) => log.error(`${what} failed`, error), ...(devKey ? { devJwks: devKey.jwks } : {}) }),
        submitAsync: (target, payload) => submitHttpTask(byName.get(target.process.name)!.platform, payload, submitDeps),
        runner,
        maxPayloadBytes: manifest.settings.maxPayloadBytes,
        isStopping: () => stopping.value,
        platform: getRequestListener(platform.fetch),
        ingest,
        onInternalError: (error, what) => log.error(`${what} failed`, error),
      });

      // Each process's own task queue (async submissions, schedules, events); other queues are triggers (above).
      const taskQueueConsumers = processes.flatMap((p) =>
        p.manifest.queues
          .filter((trigger) => trigger.enabled && trigger.queue === p.manifest.taskQueue)
          .map((trigger) => consumerOf(p, trigger.queue, trigger.batchSize, trigger.maximumBatchingWindow)),
      );
      const consumers = { all: () => [...taskQueueConsumers, ...effects.consumers] };
      const longestTimeout = Math.max(...processes.map((p) => p.manifest.timeoutSeconds), 1) * 1000;
      runtime = new EmbeddedRuntime(manifest, processes, storage, listener, dashboardListener, apiToken, consumers, scheduler, slots, executor, agents, kv, stopping, {
        host: options.host ?? '127.0.0.1',
        port,
        dashboardPort,
        shutdownGraceMs: options.shutdownGraceMs ?? Math.min(longestTimeout + 1000, 30_000),
        clock,
        log,
      });
      await runtime.#listen();
      for (const consumer of taskQueueConsumers) consumer.start(); // the queue triggers' were started by triggers.start()
      scheduler.start();
      runtime.#scheduleSweep();
      return runtime;
    } catch (error) {
      await agents?.close();
      kv?.close();
      storage.close();
      throw error;
    }
  }

  /** The base URL, e.g. http://127.0.0.1:3000. */
  get url(): string {
    const address = this.#server?.address() as AddressInfo | null;
    return `http://${this.options.host}:${address?.port ?? this.options.port}`;
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  /**
   * The dashboard listener's base URL, another origin than {@link url}
   * (e.g. http://127.0.0.1:3001; the dashboard is at `/sluice/ui/` under it);
   * undefined when the dashboard is off.
   */
  get dashboardUrl(): string | undefined {
    const port = this.dashboardPort;
    return port === undefined ? undefined : `http://${this.options.host}:${port}`;
  }

  /** The dashboard listener's port; undefined when it is off (or before it listens). */
  get dashboardPort(): number | undefined {
    const { dashboardPort } = this.options;
    if (dashboardPort === 'off') return undefined;
    return (this.#dashboardServer?.address() as AddressInfo | null)?.port;
  }

  /** Upcoming schedule times, for the start-up banner. */
  upcomingSchedules() {
    return this.scheduler.nextDueTimes();
  }

  /** The schedule runner, whose run-time API (`add`, `remove`, `pause`, `upcoming`, `skipped`) the trigger registry drives. */
  get schedules(): ScheduleRunner {
    return this.scheduler;
  }

  /**
   * Graceful stop (SIGTERM): stop accepting requests and receiving messages,
   * let running tasks finish within the grace period, release the messages
   * of those that did not (they are delivered again after a restart), close
   * the database. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    const { log, clock } = this.options;
    this.#stopping = true;
    this.stoppingFlag.value = true;
    this.scheduler.stop();
    if (this.#sweep) clock.clearTimeout(this.#sweep);
    const servers = [this.#server, this.#dashboardServer].filter((server) => server !== undefined);
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of servers) server.closeIdleConnections();
    await Promise.all(this.consumers.all().map((c) => c.stop()));
    const drained = Promise.all([...this.slots.values()].map((s) => s.drained()));
    const graceOver = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.options.shutdownGraceMs).unref());
    if ((await Promise.race([drained, graceOver])) === 'timeout') {
      let released = 0;
      for (const consumer of this.consumers.all()) released += await consumer.releaseInFlight();
      log.warn(`stopped with tasks still running; released ${released} message(s) for redelivery`);
    }
    // Stops whatever process code still runs (its tasks end `WorkerTerminated`; their messages were released above).
    await this.executor.close();
    // After the workers: their pools held connections to the embedded databases.
    await this.agents.close();
    this.kv.close();
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    // Let the last responses flush: keep closing connections as they go idle, then force.
    const flushDeadline = Date.now() + 2000;
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    while (!isClosed && Date.now() < flushDeadline) {
      for (const server of servers) server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const server of servers) server.closeAllConnections();
    await closed;
    this.storage.close();
  }

  /** Listens on the main port, then the dashboard's; a refused dashboard port closes the main one again. */
  async #listen(): Promise<void> {
    const { host, port, dashboardPort } = this.options;
    this.#server = await listenOn(this.listener, host, port, '; set PORT or --port');
    if (this.dashboardListener === undefined || dashboardPort === 'off') return;
    try {
      this.#dashboardServer = await listenOn(this.dashboardListener, host, dashboardPort, " (the dashboard's port); set SLUICE_DASHBOARD_PORT or --dashboard-port (a port, 0 for any free one, or off)");
    } catch (error) {
      await new Promise((resolve) => this.#server!.close(resolve));
      this.#server = undefined;
      throw error;
    }
  }

  #scheduleSweep(): void {
    const { clock, log } = this.options;
    this.#sweep = clock.setTimeout(() => {
      try {
        const tasks = this.storage.tasks.purgeExpired();
        const messages = this.storage.queues.purgeExpired();
        const events = this.storage.events.purgeExpired();
        if (tasks + messages + events > 0) log.info(`retention: removed ${tasks} expired task(s), ${messages} expired message(s) and ${events} expired data event(s)`);
      } catch (error) {
        log.error('retention sweep failed', error);
      }
      if (!this.#stopping) this.#scheduleSweep();
    }, SWEEP_INTERVAL_MS);
  }
}

/**
 * The dashboard's port when none is given: the one after the main port, or
 * any free one when the main port is any free one (0).
 *
 * @throws {ConfigError} the main port is 65535 (no port after it)
 */
function defaultDashboardPort(port: number): number {
  if (port === 0) return 0;
  if (port >= 65_535) throw new ConfigError(`the dashboard's default port is the main port + 1, and port ${port} has none after it; set SLUICE_DASHBOARD_PORT or --dashboard-port`);
  return port + 1;
}

/**
 * A node:http server listening on `host:port`, answering parser errors in
 * the JSON error shape.
 *
 * @param hint what to do when the port is taken, appended to the message
 * @throws {ConfigError} the port is already in use
 */
function listenOn(listener: RequestListener, host: string, port: number, hint: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = createServer(listener);
    server.on('clientError', answerClientError);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new ConfigError(`port ${port} on ${host} is already in use${hint}`, { cause: error }) : error),
    );
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * The shell environment process code may see, as strings (what a worker's
 * `env` takes), copied before the functions' variables are applied. The
 * control-plane token stays with the runtime: process code never needs it.
 */
function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && name !== 'SLUICE_API_TOKEN') out[name] = value;
  return out;
}

/** Parses every schedule up front: an invalid expression stops the start-up, naming function and expression. */
function parseSchedules(processes: readonly LoadedProcess[], anchorMs: number): ScheduledRule[] {
  return processes.flatMap((p) =>
    p.manifest.schedules.map((manifest) => {
      try {
        const options = { rateAnchorMs: anchorMs, ...(manifest.timezone === undefined ? {} : { timezone: manifest.timezone }) };
        return { id: staticRuleId(p.manifest.name, manifest.rule), process: p.manifest.name, manifest, schedule: parseScheduleExpression(manifest.expression, options) };
      } catch (error) {
        throw new ConfigError(`function '${p.manifest.name}': invalid schedule '${manifest.expression}': ${(error as Error).message}`, { cause: error });
      }
    }),
  );
}

/** Who the OpenLineage run events name: the job namespace (`custom.sluice.openlineage.namespace`, else the service and stage) and Sluice. */
function openLineageSourceOf(manifest: ServiceManifest): OpenLineageSource {
  return { namespace: manifest.settings.openlineage?.namespace ?? jobNamespaceOf(manifest.service, manifest.stage), producer: SLUICE_PRODUCER, engineVersion: SLUICE_VERSION };
}

/**
 * The push of finished tasks to `custom.sluice.openlineage.url`, when set:
 * fire and forget (the emitter retries, never throws, and reports what it
 * gave up on in the runtime log). Its API key is resolved now: a missing
 * variable stops the start-up naming the setting.
 */
async function openLineagePush(manifest: ServiceManifest, source: OpenLineageSource, env: NodeJS.ProcessEnv, log: RuntimeLog): Promise<((record: TaskRecord, events: readonly DataEvent[]) => void) | undefined> {
  const settings = manifest.settings.openlineage;
  if (!settings) return undefined;
  const apiKey = settings.apiKey ? await new EnvSecretResolver(env).resolve(settings.apiKey, 'custom.sluice.openlineage.apiKey') : undefined;
  const emitter = new OpenLineageEmitter({
    url: settings.url,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    onFailure: (failure) => log.warn(`OpenLineage: ${failure.eventType} of run ${failure.runId} (${failure.job}) not delivered after ${failure.attempts} attempt(s): ${failure.reason}`),
  });
  return (record, events) => void emitter.emit(runEventsOf(toSummary(record), events, source));
}

