import type { AgentScope } from '../../lib/core/agents/AgentScope.js';
import type { TaskLogger } from '../../lib/core/process/types.js';
import type { LogLevel } from '../../lib/core/task/TaskRecord.js';

export interface LogLine {
  level: LogLevel;
  message: string;
  data?: unknown;
}

export interface TestScope {
  scope: AgentScope;
  /** Aborts `scope.signal`. */
  controller: AbortController;
  /** Every line the agent wrote, in order. */
  lines: LogLine[];
}

/** An AgentScope for tests: its own AbortController, a logger that collects lines, the real clock. */
export function agentScope(connection = 'db', deadlineMs = Date.now() + 60_000): TestScope {
  const controller = new AbortController();
  const lines: LogLine[] = [];
  const log: TaskLogger = {
    log: (level, message, data) => void lines.push({ level, message, data }),
    debug: (message, data) => log.log('debug', message, data),
    info: (message, data) => log.log('info', message, data),
    warn: (message, data) => log.log('warn', message, data),
    error: (message, data) => log.log('error', message, data),
  };
  return { scope: { connection, signal: controller.signal, deadlineMs, log, now: () => Date.now() }, controller, lines };
}
