import { Worker } from 'node:worker_threads';
import type { ExecutionOutcome, TaskInvocation } from '../../core/execution/executeTask.js';
import type { Clock, ClockTimer } from '../../core/ports/Clock.js';
import { isoTime } from '../../core/time/isoTime.js';
import type { TaskExecutionOptions } from '../../core/ports/TaskExecutor.js';
import type { TaskError } from '../../core/task/TaskRecord.js';
import type { RuntimeLog } from './RuntimeLog.js';
import type { AgentGrants } from '../../agents/composeAgents.js';
import type { EventStoreCall, WorkerKvSettings } from './workerProtocol.js';
import type { EventStore } from '../../core/ports/EventStore.js';
import type { DataEvent } from '../../core/events/DataEvent.js';
import { SluiceError, ValidationError } from '../../core/errors.js';
import { systemFailureOutcome, type FromWorker, type TaskWorkerData, type ToWorker } from './workerProtocol.js';

/** What a function's workers are started with. */
export interface FunctionWorkerSpec {
  /** The function key. */
  name: string;
  /** Absolute path of the process module, and its handler export. */
  file: string;
  exportName: string;
  /** The function's environment as its code sees it (`process.env` in the worker). */
  env: Record<string, string>;
  /** Lambda's `memorySize`: the worker's heap limit (`maxOldGenerationSizeMb`). */
  memorySizeMb: number;
  /** Stored stack traces are made relative to it (see `ExecuteOptions.serviceRoot`). */
  serviceRoot?: string;
  /** The connections it may use, secrets resolved: the worker builds its agents from them (`composeAgents`). */
  agents?: AgentGrants;
  /** The key-value store (`ctx.kv`). */
  kv?: WorkerKvSettings;
  /** `custom.sluice.events.maxChainDepth`. */
  maxChainDepth?: number;
}

export interface TaskWorkerOptions {
  clock: Clock;
  log: RuntimeLog;
  /** Real ms a worker has to answer an abort at the deadline before it is terminated. */
  graceMs: number;
  /** Real ms a worker has to load its process module. */
  startTimeoutMs: number;
  /** Called once, when the worker is gone (terminated, crashed or retired and idle). */
  onGone(worker: TaskWorker): void;
  /** Answers the worker's reads of published events (`ctx.events.search`); none: they fail saying so. */
  events?: EventStore;
}

interface Pending {
  /** What the task emitted so far (`emitted` messages). */
  events: DataEvent[];
  invocation: TaskInvocation;
  timeoutMs: number;
  startedAtMs: number;
  resolve(outcome: ExecutionOutcome): void;
  deadline: ClockTimer;
  grace?: NodeJS.Timeout;
}

const ENTRY = new URL('./taskWorkerEntry.mjs', import.meta.url);

/**
 * One worker thread of a function, seen from the main thread: runs several
 * tasks at once, owns their deadlines on the runtime's {@link Clock}, and
 * turns every way the thread can go wrong into outcomes of the tasks it
 * held:
 *
 * - deadline passed: `abort` is sent; the worker answers `timed_out` with the
 *   task's logs so far. No answer within `graceMs` (its event loop is blocked,
 *   e.g. a busy loop): that task is `timed_out` here, the thread is
 *   terminated, and the other tasks it held fail with `WorkerTerminated`
 *   (system, retriable).
 * - a task that timed out or crashed may leave code running: the worker is
 *   *retired* (no new tasks) and terminated as soon as its other tasks end.
 * - the thread dies (out of memory at `memorySize`, `process.exit`, a crash no
 *   task can be blamed for): its tasks fail with `OutOfMemory`,
 *   `WorkerExited` or the crash (system, retriable).
 */
export class TaskWorker {
  readonly #thread: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #ready: Promise<void>;
  #isReady = false;
  #nextId = 1;
  /** Messages of this event-loop turn, sent together by {@link #flush}. */
  #outbox: ToWorker[] = [];
  /** Tasks handed to run() still waiting for the worker to load. */
  #waiting = 0;
  #retired = false;
  #gone = false;

  constructor(
    readonly spec: FunctionWorkerSpec,
    private readonly options: TaskWorkerOptions,
  ) {
    const workerData: TaskWorkerData = {
      process: spec.name,
      file: spec.file,
      exportName: spec.exportName,
      ...(spec.serviceRoot !== undefined ? { serviceRoot: spec.serviceRoot } : {}),
      ...(spec.agents !== undefined ? { agents: spec.agents } : {}),
      ...(spec.kv !== undefined ? { kv: spec.kv } : {}),
      ...(spec.maxChainDepth !== undefined ? { maxChainDepth: spec.maxChainDepth } : {}),
    };
    this.#thread = new Worker(ENTRY, {
      workerData,
      env: spec.env,
      resourceLimits: { maxOldGenerationSizeMb: spec.memorySizeMb },
      // tsx is registered by the entry itself; inheriting `--import tsx` would load it twice.
      execArgv: withoutTsxImport(process.execArgv),
      name: `sluice:${spec.name}`,
    });
    this.#thread.unref();
    this.#ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the worker did not load ${spec.file} within ${options.startTimeoutMs} ms`));
        this.#end();
      }, options.startTimeoutMs);
      timer.unref();
      this.#thread.once('message', ([message]: FromWorker[]) => {
        clearTimeout(timer);
        if (message?.type === 'ready') {
          this.#isReady = true;
          resolve();
        } else {
          reject(new Error(message?.type === 'load-failed' ? message.message : `unexpected first message '${message?.type}'`));
          this.#end();
        }
      });
      this.#thread.once('exit', () => {
        clearTimeout(timer);
        reject(new Error('the worker exited while loading its process module'));
      });
    });
    this.#ready.catch(() => undefined);
    this.#thread.on('message', (messages: FromWorker[]) => {
      for (const message of messages) this.#onMessage(message);
    });
    this.#thread.on('error', (error: Error & { code?: string }) => this.#onThreadError(error));
    this.#thread.on('exit', () => this.#onExit());
  }

  /** Tasks running in this worker. */
  get load(): number {
    return this.#pending.size + this.#waiting;
  }

  get isReady(): boolean {
    return this.#isReady;
  }

  /** Takes new tasks (not retired, not gone). */
  get accepting(): boolean {
    return !this.#retired && !this.#gone;
  }

  /** Runs a task here. Never rejects: every failure is an outcome. */
  async run(invocation: TaskInvocation, options: TaskExecutionOptions): Promise<ExecutionOutcome> {
    const { clock } = this.options;
    const queuedAtMs = clock.now();
    if (!this.#isReady) {
      // Counted in `load` meanwhile, so that the pool spreads a burst before the worker is up.
      this.#waiting++;
      try {
        await this.#ready;
      } catch (error) {
        // Terminated while starting (the runtime is stopping) is no start failure of the code.
        if (this.#gone) return systemFailure(queuedAtMs, clock, 'WorkerTerminated', `the worker of '${this.spec.name}' was stopped before the task started`);
        return systemFailure(queuedAtMs, clock, 'WorkerStartFailed', `the worker of '${this.spec.name}' could not start: ${(error as Error).message}`);
      } finally {
        this.#waiting--;
      }
    }
    if (this.#gone) return systemFailure(queuedAtMs, clock, 'WorkerTerminated', `the worker of '${this.spec.name}' was stopped before the task started`);
    const id = this.#nextId++;
    return new Promise<ExecutionOutcome>((resolve) => {
      const startedAtMs = clock.now();
      this.#send({ type: 'run', id, invocation, timeoutMs: options.timeoutMs, nowMs: startedAtMs, ...(options.logLimits ? { logLimits: options.logLimits } : {}) });
      const deadline = clock.setTimeout(() => this.#onDeadline(id), options.timeoutMs);
      this.#pending.set(id, { invocation, timeoutMs: options.timeoutMs, startedAtMs, resolve, deadline, events: [] });
      const { cancelSignal } = options;
      if (cancelSignal) {
        // The worker ends it `cancelled` and answers `done` (interrupted: the worker is then retired, as after a timeout).
        const cancel = () => {
          if (this.#pending.has(id) && !this.#gone) this.#send({ type: 'cancel', id });
        };
        if (cancelSignal.aborted) cancel();
        else cancelSignal.addEventListener('abort', cancel, { once: true });
      }
    });
  }

  /** Takes no new tasks; terminated once the running ones end. */
  retire(): void {
    this.#retired = true;
    if (this.#pending.size === 0) this.#end();
  }

  /** Stops the thread now; running tasks fail with `WorkerTerminated` (the runtime is stopping). */
  async terminate(): Promise<void> {
    this.#failAll((p) => systemFailure(p.startedAtMs, this.options.clock, 'WorkerTerminated', `the runtime stopped while task ${p.invocation.taskId} was running`));
    await this.#end();
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
      case 'load-failed':
        return; // handled by the start-up listener
      case 'done': {
        const pending = this.#pending.get(message.id);
        if (!pending) return; // already settled here (terminated meanwhile)
        this.#settle(message.id, pending, message.outcome);
        if (message.interrupted) this.retire();
        else if (this.#retired && this.#pending.size === 0) this.#end();
        return;
      }
      case 'emitted': {
        const pending = this.#pending.get(message.id);
        if (pending) pending.events.push(...message.events);
        return;
      }
      case 'events-request':
        void this.#answerEvents(message);
        return;
      case 'stray':
        this.options.log.warn(`function '${this.spec.name}': code of the finished task ${message.taskId} crashed (${message.error.message}); its worker is replaced`);
        this.retire();
        return;
      case 'fatal':
        this.#failAll((p) => systemFailure(p.startedAtMs, this.options.clock, message.error.name, `${message.error.message} (not attributable to one task: every task of the worker fails; task ${p.invocation.taskId} was one)`));
        void this.#end();
        return;
    }
  }

  async #answerEvents(request: Extract<FromWorker, { type: 'events-request' }>): Promise<void> {
    const { requestId } = request;
    try {
      const store = this.options.events;
      if (!store) throw new SluiceError('no event store is configured for this runtime (ctx.events.search)');
      const value = await callEventStore(store, request);
      this.#send({ type: 'events-reply', requestId, ok: true, value });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      const issues = error instanceof ValidationError ? error.issues : undefined;
      this.#send({ type: 'events-reply', requestId, ok: false, error: { name, message, ...(issues ? { issues } : {}) } });
    }
  }

  #onDeadline(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending || this.#gone) return;
    this.#retired = true;
    this.#send({ type: 'abort', id });
    pending.grace = setTimeout(() => this.#onUnanswered(id), this.options.graceMs);
    pending.grace.unref();
  }

  /** The worker did not end a task past its deadline: its event loop is blocked. */
  #onUnanswered(id: number): void {
    const culprit = this.#pending.get(id);
    if (!culprit) return;
    const { clock } = this.options;
    this.options.log.warn(`function '${this.spec.name}': task ${culprit.invocation.taskId} ran past its timeout and its worker did not answer within ${this.options.graceMs} ms; terminating the worker`);
    this.#failAll((p) =>
      p === culprit
        ? timedOut(p, clock, `task timed out after ${p.timeoutMs} ms; its code kept the worker thread busy and the worker was terminated (logs written before are lost)`)
        : systemFailure(p.startedAtMs, clock, 'WorkerTerminated', `the task shared a worker thread with task ${culprit.invocation.taskId}, which blocked it past its timeout; the worker was terminated`),
    );
    void this.#end();
  }

  #onThreadError(error: Error & { code?: string }): void {
    const { clock } = this.options;
    const oom = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.options.log.error(`function '${this.spec.name}': a worker thread died${oom ? ` (out of memory: memorySize ${this.spec.memorySizeMb} MB)` : ''}`, error);
    this.#failAll((p) =>
      oom
        ? systemFailure(p.startedAtMs, clock, 'OutOfMemory', `the worker running the task ran out of memory (memorySize ${this.spec.memorySizeMb} MB) and was replaced`)
        : systemFailure(p.startedAtMs, clock, 'WorkerCrashed', `the worker running the task died: ${error.message}`),
    );
  }

  #onExit(): void {
    this.#failAll((p) => systemFailure(p.startedAtMs, this.options.clock, 'WorkerExited', 'the worker running the task exited (process.exit in process code?) and was replaced'));
    this.#markGone();
  }

  #send(message: ToWorker): void {
    if (this.#outbox.push(message) === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    if (this.#gone || batch.length === 0) return;
    try {
      this.#thread.postMessage(batch);
      return;
    } catch (error) {
      if ((error as Error).name !== 'DataCloneError') throw error;
    }
    for (const message of batch) {
      try {
        this.#thread.postMessage([message]);
      } catch (error) {
        if ((error as Error).name !== 'DataCloneError' || message.type !== 'run') throw error;
        // The validated input holds something structured clone refuses (a zod transform's class instance):
        // send the payload only, and let the worker validate it again in its own realm.
        this.#thread.postMessage([{ ...message, invocation: { ...message.invocation, input: undefined }, revalidate: true } satisfies ToWorker]);
      }
    }
  }

  #settle(id: number, pending: Pending, outcome: ExecutionOutcome): void {
    this.#pending.delete(id);
    // An outcome made here (the worker was terminated, crashed or exited) has none of the task's events:
    // those it reported as it emitted them go with it, to be published if the failure is final.
    if (outcome.events.length === 0 && pending.events.length > 0) outcome = { ...outcome, events: pending.events };
    this.options.clock.clearTimeout(pending.deadline);
    if (pending.grace) clearTimeout(pending.grace);
    pending.resolve(outcome);
  }

  #failAll(outcomeOf: (pending: Pending) => ExecutionOutcome): void {
    this.#retired = true;
    for (const [id, pending] of [...this.#pending]) this.#settle(id, pending, outcomeOf(pending));
  }

  #end(): Promise<void> {
    this.#markGone();
    return this.#thread.terminate().then(() => undefined);
  }

  #markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#retired = true;
    this.options.onGone(this);
  }
}

function withoutTsxImport(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if ((arg === '--import' || arg === '--loader') && /^tsx(\/|$)/.test(execArgv[i + 1] ?? '')) {
      i++;
      continue;
    }
    if (/^--(import|loader)=tsx(\/|$)/.test(arg)) continue;
    out.push(arg);
  }
  return out;
}

function systemFailure(startedAtMs: number, clock: Clock, name: string, message: string): ExecutionOutcome {
  return systemFailureOutcome(name, message, { startedAt: isoTime(startedAtMs), finishedAt: isoTime(clock.now()) }, true);
}

function timedOut(pending: Pending, clock: Clock, message: string): ExecutionOutcome {
  const finishedAt = isoTime(clock.now());
  const error: TaskError = { kind: 'timeout', name: 'TimeoutError', message: `the process timeout of ${pending.timeoutMs / 1000} s elapsed` };
  return { status: 'timed_out', error, retriable: true, startedAt: isoTime(pending.startedAtMs), finishedAt, logs: [{ time: finishedAt, level: 'error', message }], events: [], response: { headers: {} } };
}

function callEventStore(store: EventStore, call: EventStoreCall): Promise<unknown> {
  switch (call.op) {
    case 'search':
      return store.search(...call.args);
    case 'get':
      return store.get(...call.args);
    case 'edges':
      return store.edges(...call.args);
  }
}
