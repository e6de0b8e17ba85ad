import { NonRetriableError, SluiceError } from '../errors.js';

/**
 * A logic asked for a connection its function is not granted
 * (`functions.<name>.sluice.connections`) or that is not declared at all.
 * Not retriable: a retry asks for the same name.
 */
export class ConnectionNotGrantedError extends NonRetriableError {
  constructor(
    readonly connection: string,
    readonly kind: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ConnectionNotGrantedError';
  }
}

/**
 * An agent call failed: the connection and operation are named, credentials
 * never are. `cause` carries the driver's error (its message redacted).
 * Retriable (a network error, a deadlock); adapters throw a
 * {@link AgentRefusedError} for what a retry cannot fix.
 */
export class AgentError extends SluiceError {
  constructor(
    readonly connection: string,
    readonly operation: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${connection}: ${operation} failed: ${message}`, options);
    this.name = 'AgentError';
  }
}

/**
 * An agent call refused before anything was sent (a path outside the root, an
 * address the SSRF guard blocks, an empty mail recipient, a value too large).
 * Not retriable: the same call is refused again.
 */
export class AgentRefusedError extends NonRetriableError {
  constructor(
    readonly connection: string,
    readonly operation: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${connection}: ${operation} refused: ${message}`, options);
    this.name = 'AgentRefusedError';
  }
}
