import type { AgentScope } from './AgentScope.js';

/** What a call's log line reports besides connection, operation and duration. */
export type CallMeasure = { rows?: number; bytes?: number; status?: number; items?: number; [key: string]: string | number | boolean | undefined };

/**
 * Runs one agent call and writes its one task-log line:
 * `<connection> <operation>` with `{ connection, operation, durationMs, ...measure }`
 * (`info` on success, `warn` with the error's name and message on failure).
 * Never logs arguments: SQL parameters, paths' contents, headers and
 * credentials stay out of task records. Rethrows the call's error unchanged.
 *
 * @param measure  what to report of the result (rows, bytes...); must not throw
 */
export async function traceAgentCall<T>(scope: AgentScope, operation: string, call: () => Promise<T>, measure?: (result: T) => CallMeasure): Promise<T> {
  const started = scope.now();
  try {
    const result = await call();
    scope.log.info(`${scope.connection} ${operation}`, { connection: scope.connection, operation, durationMs: scope.now() - started, ...(measure ? measure(result) : {}) });
    return result;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    scope.log.warn(`${scope.connection} ${operation} failed`, { connection: scope.connection, operation, durationMs: scope.now() - started, error: `${name}: ${message}` });
    throw error;
  }
}
