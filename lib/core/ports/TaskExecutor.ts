import type { ExecutionOutcome, TaskInvocation } from '../execution/executeTask.js';
import type { LogLimits } from '../execution/TaskLogBuffer.js';
import type { RunnableProcess } from '../runner/RunnableProcess.js';

/** Limits of one execution, decided by the runner. */
export interface TaskExecutionOptions {
  /** Milliseconds from the start of the process code to its deadline (the function timeout, or less when the host's own deadline is nearer). */
  timeoutMs: number;
  /** Per-task log bounds; the executor's default (1000 lines / 256 KiB) otherwise. */
  logLimits?: LogLimits;
  /** Aborted when the task is cancelled while it runs: the executor ends it `cancelled` (see `ExecuteOptions.cancelSignal`). */
  cancelSignal?: AbortSignal;
}

/**
 * Where and how process code runs: the seam between the core's orchestration
 * (TaskRunner: records, retries, decisions) and the execution of a
 * process's logics (`executeTask`, the railway).
 *
 * Contract, for every implementation:
 * - resolves with exactly one {@link ExecutionOutcome} per call, never rejects
 *   because of process code (a crash in it is a `failed` outcome with a
 *   `system` error, retriable);
 * - resolves no later than shortly after `timeoutMs`: past the deadline the
 *   outcome is `timed_out` (kind `timeout`, retriable) with the logs written
 *   so far, and the process code no longer runs, or soon will not;
 * - the outcome's `result` is JSON (what the store keeps).
 *
 * Implementations: `InProcessTaskExecutor` (the calling thread; on AWS Lambda
 * kills the invocation at its deadline and isolates functions, and unit tests
 * use it) and the embedded runtime's `WorkerTaskExecutor` (worker threads per
 * function, terminated when their code ignores the deadline or crashes).
 */
export interface TaskExecutor {
  execute(process: RunnableProcess, invocation: TaskInvocation, options: TaskExecutionOptions): Promise<ExecutionOutcome>;
}
