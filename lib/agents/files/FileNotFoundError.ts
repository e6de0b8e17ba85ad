import { AgentError } from '../../core/agents/agentErrors.js';

/**
 * A file storage call named a file that does not exist. An {@link AgentError}
 * (retriable): the file may be there on the next attempt (an upload not yet
 * finished). `stat` returns `undefined` and `delete` succeeds instead.
 */
export class FileNotFoundError extends AgentError {
  constructor(
    connection: string,
    operation: string,
    readonly path: string,
  ) {
    super(connection, operation, `no such file: ${path}`);
    this.name = 'FileNotFoundError';
  }
}
