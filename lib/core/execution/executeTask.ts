import { jsonNestingExceeds, MAX_STORED_JSON_DEPTH } from '../boundedJson.js';
import { isNonRetriableError, retryAfterSecondsOf } from '../errors.js';
import type { Clock } from '../ports/Clock.js';
import { isoTime } from '../time/isoTime.js';
import type { LogicContext, ProcessDefinition, RailwayError, TaskInfo, TaskLogger } from '../process/types.js';
import type { Payload } from '../task/Payload.js';
import type { LogEntry, TaskError, TriggerInfo } from '../task/TaskRecord.js';
import { MemorySessionStorage } from './MemorySessionStorage.js';
import { HttpResponseControl, type HttpResponseSpec } from './HttpResponseControl.js';
import { DEFAULT_LOG_LIMITS, type LogLimits, TaskLogBuffer } from './TaskLogBuffer.js';
import { portableStack } from './portableStack.js';
import type { AgentKind } from '../agents/AgentConnection.js';
import type { AgentScope } from '../agents/AgentScope.js';
import { noAgents, type AgentOfKind, type TaskAgents } from '../agents/TaskAgents.js';
import { keyValueAgent, missingKeyValueAgent, type KeyValueAgent } from '../agents/KeyValueAgent.js';
import type { KeyValueStore } from '../agents/KeyValueStore.js';
import { EmittedEvents, type DataEventAgent } from '../agents/DataEventAgent.js';
import type { DataEvent } from '../events/DataEvent.js';
import { DEFAULT_MAX_CHAIN_DEPTH } from '../events/EventSubscription.js';
import type { EventStore } from '../ports/EventStore.js';

/** One run of a process: what the runner hands to {@link executeTask}. */
export interface TaskInvocation<I = unknown> {
  taskId: string;
  process: string;
  /** 1-based delivery attempt. */
  attempt: number;
  trigger: TriggerInfo;
  payload: Payload;
  /** Already validated against the process's schema. */
  input: I;
}

export interface ExecuteOptions {
  /** The process timeout (or less, when the host's own deadline is nearer). */
  timeoutMs: number;
  clock: Clock;
  logLimits?: LogLimits;
  /**
   * Absolute directory stored stack traces are made relative to (see
   * `portableStack`): the directory of `serverless.yml` on the embedded
   * runtime, `LAMBDA_TASK_ROOT` (`/var/task`) on AWS. Without it, every path
   * in a stored stack is reduced to its file name.
   */
  serviceRoot?: string;
  /**
   * Ends the task from outside, for a host that owns the deadline itself (the
   * embedded runtime's worker threads: the main thread keeps the clock). When
   * given, no timer is armed here: it is called once, at the start, with the
   * function that ends the task. Called with a {@link TaskInterruption}:
   * `timeout` ends the task `timed_out` as the own timer would; `crash` ends it
   * `failed` with that (retriable, system) error. Either way `ctx.signal`
   * aborts and the logs so far are kept. (A callback, not an AbortSignal:
   * an AbortController and a listener per task cost measurably on the sync
   * route.)
   */
  interrupt?: (end: (why: TaskInterruption) => void) => void;
  /**
   * Aborted when the task is cancelled (`POST /sluice/tasks/{id}/cancel`)
   * while it runs: `ctx.signal` aborts with a {@link TaskCancelledError}
   * reason and the task ends `cancelled` at once, with its logs so far.
   * (A host that uses `interrupt` sends `{ kind: 'cancel' }` there instead.)
   */
  cancelSignal?: AbortSignal;
  /** The function's connections (`ctx.db(name)`...), built by the runtime's composition root. None: every acquire is refused, naming the connection. */
  agents?: TaskAgents;
  /** The service's key-value store (`ctx.kv`). None: every `ctx.kv` call is refused. */
  kv?: KeyValueStore;
  /** Where `ctx.events.search` reads published events. None: only the task's own events can be searched. */
  events?: EventStore;
  /** `custom.sluice.events.maxChainDepth` (default 16): a task at this depth is warned that its events trigger nothing. */
  maxChainDepth?: number;
  /**
   * Told of the events of each `ctx.events.emit` as they are recorded: a host
   * that may have to end the task without its outcome (the embedded runtime
   * terminating a blocked worker thread) still publishes them with the
   * failure.
   */
  onEmit?(events: readonly DataEvent[]): void;
}

/** Why a host ended a task through {@link ExecuteOptions.interrupt}. */
export type TaskInterruption = { kind: 'timeout' } | { kind: 'crash'; error: TaskError } | { kind: 'cancel' };

/** The reason `ctx.signal` aborts with when the task is cancelled. */
export class TaskCancelledError extends Error {
  override name = 'TaskCancelledError';
  constructor(readonly taskId: string) {
    super(`task ${taskId} was cancelled`);
  }
}

interface OutcomeBase {
  startedAt: string;
  finishedAt: string;
  logs: LogEntry[];
  /** The data events this attempt emitted (`ctx.events.emit`), in order: the runner publishes them with the final record. */
  events: DataEvent[];
  /** Status and headers a synchronous HTTP route answers with. */
  response: HttpResponseSpec;
}

/** How one execution ended. Exhaustively handled by every runner. */
export type ExecutionOutcome =
  | (OutcomeBase & { status: 'succeeded'; result: unknown })
  /** `retryAfterSeconds`: the logic threw a `RetryAfterError` asking for this delay before the next attempt. */
  | (OutcomeBase & { status: 'failed'; error: TaskError; retriable: boolean; result?: unknown; retryAfterSeconds?: number })
  | (OutcomeBase & { status: 'timed_out'; error: TaskError; retriable: true })
  /** Cancelled while running: final, never retried. */
  | (OutcomeBase & { status: 'cancelled'; error: TaskError; retriable: false });

/**
 * Runs the logic chain of a process with LOC's railway error flow:
 *
 * ```
 * logic 1 run ──▶ logic 2 run ──▶ ... ──▶ aggregator run ──▶ succeeded(result)
 *                   │ throws
 *                   ▼
 *        logic 2 handleError ──▶ ... ──▶ aggregator handleError ──▶ failed(error)
 * ```
 * A logic without `handleError` is skipped once the railway is on the error
 * track (neither its `run` nor anything else runs). A `handleError` that
 * throws stops the chain at once: a system error, which is not retried (see
 * {@link runChain}). A thrown {@link NonRetriableError} (by brand, so also a
 * subclass or another copy of the SDK's class) makes the failure final. The process
 * timeout aborts `ctx.signal` and ends the task `timed_out` at once; code
 * that ignores the signal keeps running, but its logs and result are dropped
 * (stopping it is the host's job: Lambda kills the invocation, the embedded
 * runtime terminates the worker thread; see ARCHITECTURE.md).
 *
 * Pure with respect to storage: persisting the outcome is the runner's job.
 */
export async function executeTask<I, R>(
  definition: ProcessDefinition<I, R>,
  invocation: TaskInvocation<I>,
  options: ExecuteOptions,
): Promise<ExecutionOutcome> {
  const { clock } = options;
  const state = new ExecutionState(invocation, isoTime(clock.now()), new TaskLogBuffer(() => clock.now(), options.logLimits ?? DEFAULT_LOG_LIMITS), options);
  const { logs, session, response, startedAt } = state;
  const contextFor = (logic: string): LogicContext<I> => new LogicContextImpl(state, logic);

  const chain = runChain(definition, contextFor, state, options.serviceRoot);

  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const { interrupt } = options;
  const { cancelSignal } = options;
  let onCancel: (() => void) | undefined;
  const ended = new Promise<TaskInterruption>((resolve) => {
    if (interrupt) interrupt(resolve);
    else timer = clock.setTimeout(() => resolve({ kind: 'timeout' }), options.timeoutMs);
    if (cancelSignal) {
      onCancel = () => resolve({ kind: 'cancel' });
      if (cancelSignal.aborted) onCancel();
      else cancelSignal.addEventListener('abort', onCancel, { once: true });
    }
  });
  const settled = await Promise.race([chain, ended]);
  if (timer) clock.clearTimeout(timer);
  if (onCancel) cancelSignal?.removeEventListener('abort', onCancel);
  const finishedAt = isoTime(clock.now());

  if (settled.kind === 'cancel') {
    state.abort(new TaskCancelledError(invocation.taskId));
    chain.catch(() => undefined);
    const current = state.currentLogic;
    logs.append('warn', `task cancelled${current ? ` in logic '${current}'` : ''}`);
    const error: TaskError = { kind: 'system', name: 'TaskCancelled', message: 'the task was cancelled while running', ...(current ? { logic: current } : {}) };
    return { status: 'cancelled', error, retriable: false, startedAt, finishedAt, logs: logs.freeze(), events: [], response: response.spec() };
  }

  if (settled.kind === 'crash') {
    state.abort(new Error(settled.error.message));
    chain.catch(() => undefined);
    const current = state.currentLogic;
    logs.append('error', `task failed: ${settled.error.message}${current ? ` (in logic '${current}')` : ''}`);
    const error: TaskError = { ...settled.error, ...(current && !settled.error.logic ? { logic: current } : {}) };
    return { status: 'failed', error, retriable: true, startedAt, finishedAt, logs: logs.freeze(), events: state.emittedSoFar(), response: response.spec() };
  }
  if (settled.kind === 'timeout') {
    state.abort(new Error(`process timeout of ${options.timeoutMs} ms elapsed`));
    const current = state.currentLogic;
    // The chain may still settle later; nothing may observe it any more.
    chain.catch(() => undefined);
    logs.append('error', `task timed out after ${options.timeoutMs} ms${current ? ` in logic '${current}'` : ''}`);
    const error: TaskError = {
      kind: 'timeout',
      name: 'TimeoutError',
      message: `the process timeout of ${options.timeoutMs / 1000} s elapsed`,
      ...(current ? { logic: current } : {}),
    };
    return { status: 'timed_out', error, retriable: true, startedAt, finishedAt, logs: logs.freeze(), events: state.emittedSoFar(), response: response.spec() };
  }
  session.clear();
  // The task is over: whatever an agent still holds for it (a stream left half-read, a body
  // never consumed) is released through the signal every agent call honours.
  state.end();
  const base = { startedAt, finishedAt, logs: logs.freeze(), events: state.emittedSoFar(), response: response.spec() };
  switch (settled.kind) {
    case 'ok': {
      // Results are stored and returned as JSON: normalise now (Dates become
      // strings) and fail clearly on what JSON cannot hold.
      const json = toJson(settled.result);
      if (json.ok) return { ...base, status: 'succeeded', result: json.value };
      const error: TaskError = {
        kind: 'system',
        name: 'ResultNotSerializable',
        message: `the aggregator's result is not JSON-serialisable: ${json.reason}`,
        logic: definition.aggregator.name,
      };
      return { ...base, status: 'failed', error, retriable: false };
    }
    case 'railway': {
      const outcome: ExecutionOutcome = { ...base, status: 'failed', error: settled.error, retriable: settled.retriable };
      if (settled.retryAfterSeconds !== undefined) outcome.retryAfterSeconds = settled.retryAfterSeconds;
      if (settled.result !== undefined) {
        // What the aggregator's handleError returned is kept as JSON too; if it has none, the failure still stands.
        const json = toJson(settled.result);
        if (json.ok) outcome.result = json.value;
        else outcome.logs = [...outcome.logs, { time: finishedAt, level: 'warn', logic: definition.aggregator.name, message: `the result of handleError was not kept: ${json.reason}` }];
      }
      return outcome;
    }
    case 'system':
      return { ...base, status: 'failed', error: settled.error, retriable: false };
  }
}

type ChainResult =
  | { kind: 'ok'; result: unknown }
  | { kind: 'railway'; error: TaskError; retriable: boolean; result: unknown; retryAfterSeconds?: number }
  | { kind: 'system'; error: TaskError };

/**
 * One task's mutable state, shared by its logics' contexts. A class with
 * prototype methods: a trivial task allocates a handful of objects, not a
 * closure per accessor (measured on the sync route).
 */
class ExecutionState implements TaskInfo {
  readonly id: string;
  readonly process: string;
  readonly attempt: number;
  readonly trigger: TaskInfo['trigger'];
  readonly session = new MemorySessionStorage();
  readonly response = new HttpResponseControl();
  currentLogic: string | undefined;
  readonly #executed: string[] = [];
  // Created on first use: most logics never look at the signal.
  #controller: AbortController | undefined;

  readonly #options: ExecuteOptions;
  readonly #deadlineMs: number;

  constructor(
    readonly invocation: TaskInvocation<unknown>,
    readonly startedAt: string,
    readonly logs: TaskLogBuffer,
    options: ExecuteOptions,
  ) {
    this.#options = options;
    this.#deadlineMs = options.clock.now() + options.timeoutMs;
    this.id = invocation.taskId;
    this.process = invocation.process;
    this.attempt = invocation.attempt;
    this.trigger = invocation.trigger.type;
  }

  get executedLogics(): readonly string[] {
    return [...this.#executed];
  }

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  enter(logic: string | undefined): void {
    this.currentLogic = logic;
  }

  done(logic: string): void {
    this.#executed.push(logic);
  }

  abort(reason: Error): void {
    (this.#controller ??= new AbortController()).abort(reason);
  }

  /** Aborts the signal once the task has ended, if anyone (an agent, a logic) took it. */
  end(): void {
    this.#controller?.abort(new Error('the task has ended'));
  }

  #emitted: EmittedEvents | undefined;
  /** What this attempt emitted (`ctx.events`), made on first use. */
  get emitted(): EmittedEvents {
    const { clock, events, maxChainDepth } = this.#options;
    const trigger = this.invocation.trigger;
    const depth = trigger.type === 'event' ? trigger.depth : 0;
    return (this.#emitted ??= new EmittedEvents(
      { taskId: this.id, process: this.process, attempt: this.attempt, depth },
      { now: () => clock.now(), maxChainDepth: maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH, ...(events ? { store: events } : {}), ...(this.#options.onEmit ? { onEmit: this.#options.onEmit } : {}) },
    ));
  }

  /** A copy of the events emitted so far (none allocated for a task that never used `ctx.events`). */
  emittedSoFar(): DataEvent[] {
    return this.#emitted ? this.#emitted.events.slice() : [];
  }

  #kv: KeyValueAgent | undefined;
  /** `ctx.kv`, made on first use. */
  get kv(): KeyValueAgent {
    const store = this.#options.kv;
    return (this.#kv ??= store ? keyValueAgent(store, this.id) : missingKeyValueAgent());
  }

  /** An agent of this task, its calls logged under `logic`. */
  agent<K extends AgentKind>(kind: K, connection: string, log: TaskLogger): AgentOfKind[K] {
    const { clock } = this.#options;
    const scope: AgentScope = { connection, signal: this.signal, deadlineMs: this.#deadlineMs, log, now: () => clock.now() };
    return (this.#options.agents ?? noAgents(this.process)).acquire(kind, connection, scope);
  }
}

class LogicContextImpl<I> implements LogicContext<I> {
  readonly log: LogicContext<I>['log'];
  constructor(
    private readonly state: ExecutionState,
    private readonly logic: string,
  ) {
    this.log = state.logs.loggerFor(logic);
  }
  get task(): TaskInfo {
    return this.state;
  }
  get payload() {
    return this.state.invocation.payload;
  }
  get input(): I {
    return this.state.invocation.input as I;
  }
  get session() {
    return this.state.session;
  }
  get signal() {
    return this.state.signal;
  }
  get response() {
    return this.state.response;
  }
  db(connection: string) {
    return this.state.agent('db', connection, this.log);
  }
  get kv() {
    return this.state.kv;
  }
  #events: DataEventAgent | undefined;
  get events(): DataEventAgent {
    return (this.#events ??= this.state.emitted.agentFor(this.logic, this.log));
  }
  files(connection: string) {
    return this.state.agent('files', connection, this.log);
  }
  http(connection: string) {
    return this.state.agent('http', connection, this.log);
  }
  mail(connection: string) {
    return this.state.agent('mail', connection, this.log);
  }
}

/**
 * The railway. A `handleError` that throws ends the task as a `system`
 * error at once, and for good (LOC: a system error, no further logic):
 * retrying the task would run again the `run`s that succeeded and the
 * `handleError`s that already ran before it — handlers that compensate,
 * notify or write — while the fault is in the handler itself, which a retry
 * does not change.
 */
async function runChain<I, R>(
  definition: ProcessDefinition<I, R>,
  contextFor: (logic: string) => LogicContext<I>,
  state: ExecutionState,
  serviceRoot: string | undefined,
): Promise<ChainResult> {
  const steps = [...definition.logics, definition.aggregator];
  let railway: RailwayError | undefined;
  let result: unknown;
  for (const [index, step] of steps.entries()) {
    const isAggregator = index === steps.length - 1;
    const ctx = contextFor(step.name);
    state.enter(step.name);
    if (!railway) {
      try {
        const value = await step.run(ctx);
        if (isAggregator) result = value;
        state.done(step.name);
        continue;
      } catch (thrown) {
        railway = toRailwayError(thrown, step.name, serviceRoot);
      }
    }
    if (step.handleError) {
      try {
        const value = await step.handleError(ctx, railway);
        if (isAggregator) result = value;
      } catch (thrown) {
        const err = toRailwayError(thrown, step.name, serviceRoot);
        return {
          kind: 'system',
          error: {
            kind: 'system',
            name: err.name,
            message: `handleError of logic '${step.name}' threw: ${err.message} (while handling: ${railway.message})`,
            logic: step.name,
            ...(err.stack ? { stack: err.stack } : {}),
          },
        };
      }
    }
    state.done(step.name);
  }
  state.enter(undefined);
  if (!railway) return { kind: 'ok', result };
  return {
    kind: 'railway',
    error: {
      kind: 'logic',
      name: railway.name,
      message: railway.message,
      logic: railway.logic,
      ...(railway.stack ? { stack: railway.stack } : {}),
    },
    // By brand, not by name or instanceof: a subclass renames itself, and a
    // process bundle may carry its own copy of the SDK's class.
    retriable: !isNonRetriableError(railway.cause),
    result,
    ...(retryAfterSecondsOf(railway.cause) !== undefined ? { retryAfterSeconds: retryAfterSecondsOf(railway.cause) } : {}),
  };
}

function toJson(value: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (value === undefined) return { ok: true, value: undefined };
  try {
    const raw = JSON.stringify(value);
    if (raw === undefined) return { ok: false, reason: `a ${typeof value} has no JSON form` };
    // Stored, served and passed between threads: the nesting limit of every JSON Sluice carries
    // (a deeper value would overflow the stack of whatever walks it next).
    if (jsonNestingExceeds(raw, MAX_STORED_JSON_DEPTH)) return { ok: false, reason: `it nests deeper than ${MAX_STORED_JSON_DEPTH} levels of arrays and objects` };
    return { ok: true, value: JSON.parse(raw) };
  } catch (error) {
    // A stack overflow here is a value nested far past the limit (or a cycle of getters).
    if (error instanceof RangeError) return { ok: false, reason: `it nests deeper than ${MAX_STORED_JSON_DEPTH} levels of arrays and objects` };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Longest message and stack kept of a thrown error (characters): a task record must stay storable, and the error is what it is for. */
export const MAX_ERROR_MESSAGE_CHARS = 8 * 1024;
export const MAX_ERROR_STACK_CHARS = 16 * 1024;

/**
 * What the railway keeps of a thrown value. A thrown non-Error value becomes
 * a `CustomError`, as in LOC. Never throws, whatever was thrown: a Proxy, a
 * getter that throws on `name`, `message` or `stack`, an object whose
 * `toString` throws (each read falls back to a neutral value). Message and
 * stack are cut to {@link MAX_ERROR_MESSAGE_CHARS} / {@link MAX_ERROR_STACK_CHARS}
 * characters, so that a huge message cannot make the record unstorable and
 * cost the task its error and its retries.
 */
export function toRailwayError(thrown: unknown, logic: string, serviceRoot: string | undefined): RailwayError {
  if (safely(() => thrown instanceof Error, false)) {
    const error = thrown as Error;
    const name = safely(() => (typeof error.name === 'string' && error.name !== '' ? error.name : 'Error'), 'Error');
    const message = safely(() => String(error.message ?? ''), '(the error\'s message could not be read)');
    const rawStack = safely(() => (typeof error.stack === 'string' ? error.stack : ''), '');
    // The stack is stored and served: without the machine's file layout.
    const stack = rawStack !== '' ? truncate(portableStack(rawStack, serviceRoot), MAX_ERROR_STACK_CHARS) : undefined;
    return { name: truncate(name, 256), message: truncate(message, MAX_ERROR_MESSAGE_CHARS), logic, ...(stack ? { stack } : {}), cause: thrown };
  }
  const message = safely(
    () => (typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown))),
    safely(() => String(thrown), '(a thrown value that cannot be shown)'),
  );
  return { name: 'CustomError', message: truncate(message, MAX_ERROR_MESSAGE_CHARS), logic, cause: thrown };
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters cut)`;
}
