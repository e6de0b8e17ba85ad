import type { TaskLogger } from '../process/types.js';

/**
 * What an agent call needs from the task that makes it: given by the core
 * when a logic acquires a connection (`ctx.db(name)`, `ctx.files(name)`...).
 * Adapters never see the task itself — only its signal, deadline and logger.
 */
export interface AgentScope {
  /** The connection's name in `custom.sluice.connections`. */
  readonly connection: string;
  /** Aborts at the process timeout: every call cancels its query / aborts its transfer on it. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds at which the task times out: retries never wait past it. */
  readonly deadlineMs: number;
  /** The task's logger, tagged with the calling logic: one line per agent call. */
  readonly log: TaskLogger;
  /** Milliseconds since the epoch, on the runtime's clock. */
  now(): number;
}
