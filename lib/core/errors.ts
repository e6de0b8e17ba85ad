/**
 * The error hierarchy of Sluice.
 *
 * Every error the platform raises on purpose is a {@link SluiceError} with a
 * stable `name` and, where it wraps something, a `cause`. Edges (the HTTP
 * server, Lambda handlers) map these names to HTTP statuses or batch item
 * failures; the core never knows about either.
 */
export class SluiceError extends Error {
  override name = 'SluiceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown by a logic to fail the task without further delivery attempts. */
export class NonRetriableError extends SluiceError {
  override name = 'NonRetriableError';
}

/** The input of a task does not match the process's `input` schema. */
export class ValidationError extends SluiceError {
  override name = 'ValidationError';
  constructor(
    message: string,
    /** One entry per offending field, e.g. `{ path: 'since', message: 'Required' }`. */
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request body or message could not be parsed (malformed JSON, bad encoding). */
export class MalformedInputError extends SluiceError {
  override name = 'MalformedInputError';
}

/** A request body or message exceeds the configured size limit. */
export class PayloadTooLargeError extends SluiceError {
  override name = 'PayloadTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`payload is ${size} bytes; the limit is ${limit} bytes`);
  }
}

/** No process with that name is declared. */
export class UnknownProcessError extends SluiceError {
  override name = 'UnknownProcessError';
  constructor(readonly process: string) {
    super(`unknown process '${process}'`);
  }
}

/** The same idempotency key was used with a different payload. */
export class IdempotencyConflictError extends SluiceError {
  override name = 'IdempotencyConflictError';
  constructor(
    readonly idempotencyKey: string,
    readonly taskId: string,
  ) {
    super(`idempotency key '${idempotencyKey}' was already used with a different payload (task ${taskId})`);
  }
}

/** A task record cannot be stored because it is larger than the store allows. */
export class TaskRecordTooLargeError extends SluiceError {
  override name = 'TaskRecordTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`task record is ${size} bytes after compression; the store's limit is ${limit} bytes`);
  }
}

/** Declaration problems found while loading `serverless.yml` or process modules. */
export class ConfigError extends SluiceError {
  override name = 'ConfigError';
}

/** Too many tasks are waiting for a free slot of a function. */
export class ThrottledError extends SluiceError {
  override name = 'ThrottledError';
}

/** The runtime is shutting down and no longer accepts work. */
export class ShuttingDownError extends SluiceError {
  override name = 'ShuttingDownError';
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new SluiceError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** A queue name that is not declared. */
export class UnknownQueueError extends SluiceError {
  override name = 'UnknownQueueError';
  constructor(readonly queue: string) {
    super(`unknown queue '${queue}'`);
  }
}

/** The process opted out of its task queue (`sluice: { queue: false }`). */
export class AsyncDisabledError extends SluiceError {
  override name = 'AsyncDisabledError';
  constructor(readonly process: string) {
    super(`process '${process}' has no task queue (sluice.queue is false), so it cannot run asynchronously`);
  }
}
