/**
 * The worker-thread side of {@link WorkerTaskExecutor}: loads one function's
 * process module and runs its tasks with `executeTask`, several at once
 * (tasks await I/O most of the time; see ARCHITECTURE.md for why a worker
 * is shared). The main thread owns the deadline and sends `abort`; this side
 * attributes crashes in callbacks (uncaught exceptions, unhandled
 * rejections) to their task through AsyncLocalStorage and fails only that
 * task. Started through taskWorkerEntry.mjs, which registers tsx first.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { type ExecutionOutcome, type TaskInterruption, executeTask, toRailwayError } from '../../core/execution/executeTask.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { ProcessDefinition } from '../../core/process/types.js';
import { validateInput } from '../../core/process/validateInput.js';
import { inputOf } from '../../core/task/Payload.js';
import type { TaskError } from '../../core/task/TaskRecord.js';
import { processDefinitionOf } from '../../sdk/defineProcess.js';
import { systemFailureOutcome, type FromWorker, type TaskWorkerData, type ToWorker } from './workerProtocol.js';
import { isoTime } from '../../core/time/isoTime.js';
import { composeAgents } from '../../agents/composeAgents.js';
import type { TaskAgents } from '../../core/agents/TaskAgents.js';
import type { KeyValueStore } from '../../core/agents/KeyValueStore.js';
import { SqliteKeyValueStore } from '../sqlite/SqliteKeyValueStore.js';
import { WorkerEventStore } from './WorkerEventStore.js';

const port = parentPort!;
const data = workerData as TaskWorkerData;
// This thread's agents, like a Lambda container's: pools and clients shared by the tasks it runs (composed with the module, below).
let agents: TaskAgents | undefined;
/** The main thread's clock offset as of the latest task (a ManualClock in tests): what the key-value store's TTLs follow. */
let mainClockOffsetMs = 0;
const workerClock = offsetClock(() => mainClockOffsetMs);
/** This thread's connection to the key-value store (`ctx.kv`), opened with the module, below. */
let kv: KeyValueStore | undefined;
/** `ctx.events.search`: answered by the main thread, which owns the database. */
const events = new WorkerEventStore((message) => post(message));
/** Messages of this event-loop turn, sent together (see workerProtocol.ts). */
let outbox: FromWorker[] = [];
function post(message: FromWorker): void {
  if (outbox.push(message) === 1) setImmediate(flush);
}
function flush(): void {
  const batch = outbox;
  outbox = [];
  try {
    port.postMessage(batch);
    return;
  } catch {
    // One of them does not clone: send them one by one below.
  }
  for (const message of batch) {
    try {
      port.postMessage([message]);
    } catch (error) {
      if (message.type !== 'done') throw error;
      // Outcomes are JSON by construction; should one still not clone, the task fails rather than hangs.
      const { outcome } = message;
      const text = `the task's outcome could not be sent to the runtime: ${(error as Error).message}`;
      const failed = systemFailureOutcome('OutcomeNotTransferable', text, { startedAt: outcome.startedAt, finishedAt: outcome.finishedAt }, false);
      port.postMessage([{ ...message, outcome: failed }]);
    }
  }
}

interface Running {
  taskId: string;
  /** Ends the task (executeTask's interrupt); set as soon as it starts. */
  end?: (why: TaskInterruption) => void;
  /** Set once the task is interrupted; kept should that come before `end` is known. */
  interrupted?: TaskInterruption;
}
/** Keyed by the run id; the AsyncLocalStorage store of every callback a task schedules. */
const running = new Map<number, Running>();
const taskOf = new AsyncLocalStorage<{ id: number; taskId: string }>();

function crashError(name: 'UncaughtException' | 'UnhandledRejection', thrown: unknown): TaskError {
  // The railway's reading of a thrown value: never throws, cuts huge messages, stack relative to the service.
  const read = toRailwayError(thrown, '', data.serviceRoot);
  const what = read.name === 'CustomError' ? read.message : `${read.name}: ${read.message}`;
  const error: TaskError = { kind: 'system', name, message: `${name === 'UncaughtException' ? 'uncaught exception' : 'unhandled promise rejection'} in process code: ${what}` };
  if (read.stack) error.stack = read.stack;
  return error;
}

function onCrash(name: 'UncaughtException' | 'UnhandledRejection', thrown: unknown): void {
  const error = crashError(name, thrown);
  const owner = taskOf.getStore();
  if (!owner) return post({ type: 'fatal', error });
  const task = running.get(owner.id);
  if (task) interrupt(task, { kind: 'crash', error });
  else post({ type: 'stray', error, taskId: owner.taskId });
}
// Without these, Node ends the worker at the first crash and every task in it fails.
process.on('uncaughtException', (error) => onCrash('UncaughtException', error));
process.on('unhandledRejection', (reason) => onCrash('UnhandledRejection', reason));

function interrupt(task: Running, why: TaskInterruption): void {
  if (task.interrupted) return;
  task.interrupted = why;
  task.end?.(why);
}

/** The main thread's clock, carried over: task times agree with the runtime's records (and with a ManualClock in tests). */
function clockFrom(mainNowMs: number): Clock {
  const offset = mainNowMs - Date.now();
  return offsetClock(() => offset);
}

/** This thread's timers, reading the time `offsetMs()` ahead of its own clock. */
function offsetClock(offsetMs: () => number): Clock {
  return {
    now: () => Date.now() + offsetMs(),
    setTimeout: (fn, ms) => ({ id: setTimeout(fn, Math.max(0, ms)) }),
    clearTimeout: (timer) => clearTimeout(timer.id as NodeJS.Timeout),
  };
}

async function run(definition: ProcessDefinition, message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { id, invocation } = message;
  const task: Running = { taskId: invocation.taskId };
  running.set(id, task);
  const clock = clockFrom(message.nowMs);
  mainClockOffsetMs = message.nowMs - Date.now();
  const startedAt = isoTime(clock.now());
  let outcome: ExecutionOutcome;
  try {
    if (message.revalidate) invocation.input = validateInput(definition.input, inputOf(invocation.payload, definition.input !== undefined));
    outcome = await executeTask(definition, invocation, {
      clock,
      timeoutMs: message.timeoutMs,
      interrupt: (end) => {
        task.end = end;
        if (task.interrupted) end(task.interrupted);
      },
      ...(message.logLimits ? { logLimits: message.logLimits } : {}),
      ...(data.serviceRoot !== undefined ? { serviceRoot: data.serviceRoot } : {}),
      ...(agents ? { agents } : {}),
      ...(kv ? { kv } : {}),
      events,
      onEmit: (emitted) => post({ type: 'emitted', id, events: [...emitted] }),
      ...(data.maxChainDepth !== undefined ? { maxChainDepth: data.maxChainDepth } : {}),
    });
  } catch (error) {
    // executeTask does not throw for process code; this is the worker's own failure.
    outcome = failedOutcome(startedAt, clock, 'WorkerError', `the task could not run in its worker: ${(error as Error).message}`, true);
  } finally {
    running.delete(id);
  }
  post({ type: 'done', id, outcome, interrupted: task.interrupted !== undefined });
}

function failedOutcome(startedAt: string, clock: Clock, name: string, message: string, retriable: boolean): ExecutionOutcome {
  return systemFailureOutcome(name, message, { startedAt, finishedAt: isoTime(clock.now()) }, retriable);
}

async function load(): Promise<ProcessDefinition> {
  const module = (await import(pathToFileURL(data.file).href)) as Record<string, unknown>;
  const definition = processDefinitionOf(module[data.exportName]);
  if (!definition) throw new Error(`export '${data.exportName}' of ${data.file} is not a Sluice process`);
  return definition;
}

try {
  if (data.agents) agents = await composeAgents(data.process, data.agents);
  // One connection per thread, like the pools of its agents (the main thread created the file).
  if (data.kv) kv = new SqliteKeyValueStore({ ...data.kv, clock: workerClock });
  const definition = await load();
  port.on('message', (messages: ToWorker[]) => {
    for (const message of messages) {
      switch (message.type) {
        case 'run':
          taskOf.run({ id: message.id, taskId: message.invocation.taskId }, () => void run(definition, message));
          break;
        case 'events-reply':
          events.settle(message);
          break;
        case 'abort':
          {
            const task = running.get(message.id);
            if (task) interrupt(task, { kind: 'timeout' });
          }
          break;
        case 'cancel':
          {
            const task = running.get(message.id);
            if (task) interrupt(task, { kind: 'cancel' });
          }
          break;
      }
    }
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'load-failed', message: error instanceof Error ? error.message : String(error) });
}
