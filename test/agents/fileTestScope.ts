import type { AgentScope } from '../../lib/core/agents/AgentScope.js';
import type { TaskLogger } from '../../lib/core/process/types.js';
import type { LogLevel } from '../../lib/core/task/TaskRecord.js';

/** One line a test scope's logger collected. */
export interface CollectedLogLine {
  level: LogLevel;
  message: string;
  data?: unknown;
}

export interface FileTestScope {
  scope: AgentScope;
  /** Aborts `scope.signal`. */
  controller: AbortController;
  /** Every line logged through `scope.log`, in order. */
  lines: CollectedLogLine[];
}

/** An {@link AgentScope} for agent tests: its own AbortController, a collecting logger, `Date.now`, a deadline a minute away. */
export function fileTestScope(connection: string): FileTestScope {
  const controller = new AbortController();
  const lines: CollectedLogLine[] = [];
  const log: TaskLogger = {
    log: (level, message, data) => void lines.push({ level, message, data }),
    debug: (message, data) => log.log('debug', message, data),
    info: (message, data) => log.log('info', message, data),
    warn: (message, data) => log.log('warn', message, data),
    error: (message, data) => log.log('error', message, data),
  };
  return { scope: { connection, signal: controller.signal, deadlineMs: Date.now() + 60_000, log, now: () => Date.now() }, controller, lines };
}
