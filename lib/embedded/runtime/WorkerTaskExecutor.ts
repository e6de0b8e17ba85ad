import { availableParallelism } from 'node:os';
import { SluiceError } from '../../core/errors.js';
import type { ExecutionOutcome, TaskInvocation } from '../../core/execution/executeTask.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { TaskExecutionOptions, TaskExecutor } from '../../core/ports/TaskExecutor.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { RuntimeLog } from './RuntimeLog.js';
import type { EventStore } from '../../core/ports/EventStore.js';
import { type FunctionWorkerSpec, TaskWorker } from './TaskWorker.js';

export interface WorkerPoolSpec extends FunctionWorkerSpec {
  /** The function's concurrency limit: never more workers than tasks it may run. */
  concurrency: number;
}

export interface WorkerTaskExecutorOptions {
  functions: readonly WorkerPoolSpec[];
  clock: Clock;
  log: RuntimeLog;
  /** Most worker threads per function. Default: the machine's cores, at most 4. */
  workersPerFunction?: number;
  /** Real ms a worker has to answer an abort at a task's deadline before it is terminated. Default 1000. */
  graceMs?: number;
  /** Real ms a worker has to load its process module (Lambda's init phase is bounded at 10 s). Default 10 000. */
  startTimeoutMs?: number;
  /** Answers `ctx.events.search` of every worker. */
  events?: EventStore;
}

/**
 * The embedded runtime's {@link TaskExecutor}: every function's code runs in
 * worker threads of its own, so that the main thread (HTTP server,
 * scheduler, queue consumers, SQLite) and the other functions keep running
 * whatever that code does, and a task past its deadline is really stopped
 * (its worker terminated and replaced, see {@link TaskWorker}).
 *
 * A small pool per function, started on first use, each worker running many
 * tasks at once: data-process tasks mostly await I/O, and one thread per
 * running task would cost ~30 MB and a start of 0.3 s or more each (V8 heap,
 * tsx, the module loaded again) at a concurrency of 64. The price is shared fate: a task that blocks its worker past its
 * deadline takes the tasks sharing that worker with it (they fail with the
 * retriable `WorkerTerminated`). A new worker is started while every ready
 * one is busy, up to `workersPerFunction`; tasks go to the least loaded.
 */
export class WorkerTaskExecutor implements TaskExecutor {
  readonly #pools = new Map<string, FunctionWorkerPool>();

  constructor(options: WorkerTaskExecutorOptions) {
    const size = options.workersPerFunction ?? Math.max(1, Math.min(4, availableParallelism()));
    for (const spec of options.functions) {
      this.#pools.set(
        spec.name,
        new FunctionWorkerPool(spec, Math.max(1, Math.min(size, spec.concurrency)), {
          clock: options.clock,
          log: options.log,
          graceMs: options.graceMs ?? 1000,
          startTimeoutMs: options.startTimeoutMs ?? 10_000,
          ...(options.events ? { events: options.events } : {}),
        }),
      );
    }
  }

  execute(process: RunnableProcess, invocation: TaskInvocation, options: TaskExecutionOptions): Promise<ExecutionOutcome> {
    const pool = this.#pools.get(process.name);
    if (!pool) return Promise.reject(new SluiceError(`no worker pool for function '${process.name}'`));
    return pool.pick().run(invocation, options);
  }

  /** Worker threads alive now, per function (for tests and diagnostics). */
  workers(): Record<string, number> {
    return Object.fromEntries([...this.#pools].map(([name, pool]) => [name, pool.size]));
  }

  /** Terminates every worker; tasks still running fail with `WorkerTerminated`. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }
}

class FunctionWorkerPool {
  readonly #workers = new Set<TaskWorker>();

  constructor(
    private readonly spec: FunctionWorkerSpec,
    private readonly maxWorkers: number,
    private readonly options: { clock: Clock; log: RuntimeLog; graceMs: number; startTimeoutMs: number; events?: EventStore },
  ) {}

  get size(): number {
    return this.#workers.size;
  }

  /** The least loaded ready worker; starts another (in the background) while every ready one is busy. */
  pick(): TaskWorker {
    let best: TaskWorker | undefined;
    let starting: TaskWorker | undefined;
    let accepting = 0;
    for (const worker of this.#workers) {
      if (!worker.accepting) continue;
      accepting++;
      if (!worker.isReady) starting ??= worker;
      else if (!best || worker.load < best.load) best = worker;
    }
    if (accepting < this.maxWorkers && !starting && (!best || best.load > 0)) starting = this.#start();
    // A task waits for a starting worker only when no worker is ready (the function's first task, or after a replacement).
    return best ?? starting!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers].map((worker) => worker.terminate()));
  }

  #start(): TaskWorker {
    const worker = new TaskWorker(this.spec, { ...this.options, onGone: (gone) => this.#workers.delete(gone) });
    this.#workers.add(worker);
    return worker;
  }
}
