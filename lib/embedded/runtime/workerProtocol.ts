import type { ExecutionOutcome, TaskInvocation } from '../../core/execution/executeTask.js';
import type { LogLimits } from '../../core/execution/TaskLogBuffer.js';
import type { TaskError } from '../../core/task/TaskRecord.js';
import type { AgentGrants } from '../../agents/composeAgents.js';
import type { DataEvent, EventQuery } from '../../core/events/DataEvent.js';
import type { LineageDirection } from '../../core/ports/EventStore.js';

/**
 * The messages between the embedded runtime (main thread) and a function's
 * worker thread. Only the invocation and the outcome cross (structured
 * clone); the process definition is loaded by the worker itself. Each side
 * sends arrays: the messages of one event-loop turn travel together, one
 * cross-thread wake-up for many tasks (measured: a wake-up per message
 * halved the sync route's throughput).
 */

/** `workerData` of a task worker: which module to load. */
export interface TaskWorkerData {
  process: string;
  /** Absolute path of the process module. */
  file: string;
  /** The export that holds the `defineProcess` handler. */
  exportName: string;
  /** See `ExecuteOptions.serviceRoot`. */
  serviceRoot?: string;
  /** The function's connections (see `composeAgents`); none when it is granted none. */
  agents?: AgentGrants;
  /** The service's key-value store (`ctx.kv`): each worker opens its own connection to the file. */
  kv?: WorkerKvSettings;
  /** `custom.sluice.events.maxChainDepth`. */
  maxChainDepth?: number;
}

/**
 * A read of the event store asked by process code (`ctx.events.search`):
 * the store lives in the main thread's database (opened exclusively), so
 * the worker asks and the main thread answers.
 */
export type EventStoreCall =
  | { op: 'search'; args: [query: EventQuery] }
  | { op: 'get'; args: [eventId: string] }
  | { op: 'edges'; args: [node: string, direction: LineageDirection, limit: number] };

/** Where and how a worker opens the key-value store (SQLite, shared by threads through WAL). */
export interface WorkerKvSettings {
  /** `<dataDir>/kv.sqlite` */
  path: string;
  maxTtlSeconds: number;
  defaultTtlSeconds?: number;
}

export type ToWorker =
  | {
      type: 'run';
      /** Per worker; not the task id (a duplicate delivery may run the same task twice at once). */
      id: number;
      invocation: TaskInvocation;
      timeoutMs: number;
      /** The main thread's clock at dispatch: task times follow it (a ManualClock in tests). */
      nowMs: number;
      logLimits?: LogLimits;
      /** The input could not be cloned (a zod transform made something structured clone refuses): validate again in the worker. */
      revalidate?: boolean;
    }
  /** The deadline passed: end the task `timed_out` now. */
  | { type: 'abort'; id: number }
  /** The task was cancelled (`POST /sluice/tasks/{id}/cancel`): end it `cancelled` now (its `ctx.signal` aborts). */
  | { type: 'cancel'; id: number }
  /** The answer to an {@link EventStoreCall}: its value, or the error it threw (name, message, field issues). */
  | { type: 'events-reply'; requestId: number; ok: true; value: unknown }
  | { type: 'events-reply'; requestId: number; ok: false; error: { name: string; message: string; issues?: ReadonlyArray<{ path: string; message: string }> } };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'load-failed'; message: string }
  | ({ type: 'events-request'; requestId: number } & EventStoreCall)
  /** Events a running task emitted, so that the main thread still has them if it must end the task without its outcome. */
  | { type: 'emitted'; id: number; events: DataEvent[] }
  /** `interrupted`: the task ended by timeout or crash, so its code may still be running: the worker should be retired. */
  | { type: 'done'; id: number; outcome: ExecutionOutcome; interrupted: boolean }
  /** A crash attributed to a task that already ended: its code still runs; retire the worker. */
  | { type: 'stray'; error: TaskError; taskId: string }
  /** A crash no task can be blamed for: the worker must be replaced. */
  | { type: 'fatal'; error: TaskError };

/**
 * The outcome of a task that failed around its code (the worker, the thread
 * hop), on either side of it: a `system` error and the one log line saying why.
 */
export function systemFailureOutcome(name: string, message: string, times: { startedAt: string; finishedAt: string }, retriable: boolean): ExecutionOutcome {
  return {
    status: 'failed',
    error: { kind: 'system', name, message },
    retriable,
    startedAt: times.startedAt,
    finishedAt: times.finishedAt,
    logs: [{ time: times.finishedAt, level: 'error', message }],
    events: [],
    response: { headers: {} },
  };
}
