import { agentScope, type LogLine, type TestScope } from './agentScope.js';

/** One line a test scope's logger collected. */
export type CollectedLogLine = LogLine;
export type FileTestScope = TestScope;

/** An AgentScope for the file agent's tests (see {@link agentScope}): a deadline a minute away. */
export function fileTestScope(connection: string): FileTestScope {
  return agentScope(connection);
}
