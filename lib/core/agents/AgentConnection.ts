import type { AgentScope } from './AgentScope.js';

/**
 * One named connection of a function, built once per container (Lambda) or
 * per worker thread (embedded runtime) by the runtime's composition root, and
 * shared by every task that container runs: pools, clients and token caches
 * live here.
 *
 * `A` is what a logic gets (`DatabaseAgent`, `FileStorageAgent`, ...):
 * {@link AgentConnection.forTask} binds the connection to one task's signal,
 * deadline and logger. It must be cheap: it runs on every `ctx.db(name)`.
 */
export interface AgentConnection<A> {
  forTask(scope: AgentScope): A;
  /** Releases pools and sockets (runtime shutdown, worker retirement). Idempotent. */
  close(): Promise<void>;
}

/** The agents a function may use, by kind, as the core receives them (see `TaskAgents`). */
export type AgentKind = 'db' | 'files' | 'http' | 'mail';
