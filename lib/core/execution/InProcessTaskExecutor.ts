import type { TaskAgents } from '../agents/TaskAgents.js';
import type { KeyValueStore } from '../agents/KeyValueStore.js';
import type { EventStore } from '../ports/EventStore.js';
import type { Clock } from '../ports/Clock.js';
import type { TaskExecutionOptions, TaskExecutor } from '../ports/TaskExecutor.js';
import type { RunnableProcess } from '../runner/RunnableProcess.js';
import { type ExecuteOptions, type ExecutionOutcome, type TaskInvocation, executeTask } from './executeTask.js';

/**
 * Runs process code on the calling thread with {@link executeTask}. What the
 * Lambda handlers use (Lambda itself kills an invocation at its deadline and
 * gives every function its own sandbox) and what unit tests use. Code that
 * ignores `ctx.signal` keeps running past the deadline here: its outcome is
 * `timed_out` all the same and its later logs and result are dropped.
 */
export class InProcessTaskExecutor implements TaskExecutor {
  /**
   * @param serviceRoot see {@link ExecuteOptions.serviceRoot}
   * @param agents      the function's connections (see {@link ExecuteOptions.agents})
   * @param kv          the service's key-value store (`ctx.kv`)
   * @param events      where `ctx.events.search` reads, and the chain depth limit (see {@link ExecuteOptions.events})
   */
  constructor(
    private readonly clock: Clock,
    private readonly serviceRoot?: string,
    private readonly agents?: TaskAgents,
    private readonly kv?: KeyValueStore,
    private readonly events?: { store: EventStore; maxChainDepth: number },
  ) {}

  execute(process: RunnableProcess, invocation: TaskInvocation, options: TaskExecutionOptions): Promise<ExecutionOutcome> {
    return executeTask(process.definition, invocation, {
      clock: this.clock,
      timeoutMs: options.timeoutMs,
      ...(options.logLimits ? { logLimits: options.logLimits } : {}),
      ...(options.cancelSignal ? { cancelSignal: options.cancelSignal } : {}),
      ...(this.serviceRoot !== undefined ? { serviceRoot: this.serviceRoot } : {}),
      ...(this.agents ? { agents: this.agents } : {}),
      ...(this.kv ? { kv: this.kv } : {}),
      ...(this.events ? { events: this.events.store, maxChainDepth: this.events.maxChainDepth } : {}),
    });
  }
}
