/**
 * The error hierarchy of Sluice.
 *
 * Every error the platform raises on purpose is a {@link SluiceError} with a
 * stable `name` and, where it wraps something, a `cause`. Edges (the HTTP
 * server, Lambda handlers) map errors to HTTP statuses or batch item
 * failures; the core never knows about either.
 *
 * Classify errors by their **brand** ({@link sluiceErrorKind},
 * {@link isNonRetriableError}), never by `name` or `instanceof`:
 * - `name` is a label anyone can set: a subclass renames itself
 *   (`class CustomerNotFound extends NonRetriableError`), and a plain
 *   `Error` can be named 'NonRetriableError' without being one;
 * - `instanceof` fails across module copies: a process bundled with its own
 *   copy of the SDK throws a `NonRetriableError` of another class object.
 * The brand is a `Symbol.for` key on each class's prototype, so subclasses
 * inherit it and every copy of the SDK in the process shares it (as
 * `defineProcess` does for process definitions).
 */

/** The brand key: its value on an error is the {@link SluiceErrorKind} of the nearest branded class. */
export const SLUICE_ERROR_KIND: unique symbol = Symbol.for('sluice.error.kind') as never;

/** The branded classes, by the name they are classified under. */
export type SluiceErrorKind =
  | 'SluiceError'
  | 'NonRetriableError'
  | 'RetryAfterError'
  | 'ValidationError'
  | 'MalformedInputError'
  | 'PayloadTooLargeError'
  | 'UnknownProcessError'
  | 'IdempotencyConflictError'
  | 'TaskRecordTooLargeError'
  | 'ConfigError'
  | 'ThrottledError'
  | 'ShuttingDownError'
  | 'UnknownQueueError'
  | 'AsyncDisabledError'
  | 'NotFoundError'
  | 'ConflictError';

function brand(target: abstract new (...args: never[]) => Error, kind: SluiceErrorKind): void {
  Object.defineProperty(target.prototype, SLUICE_ERROR_KIND, { value: kind, enumerable: false, writable: false, configurable: false });
}

/**
 * The kind of a Sluice error: the branded class it is, or descends from, in
 * this or any other copy of the SDK. `undefined` for anything else
 * (including a plain `Error` whose `name` mimics a Sluice error).
 */
export function sluiceErrorKind(error: unknown): SluiceErrorKind | undefined {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return undefined;
  let kind: unknown;
  try {
    kind = (error as { [SLUICE_ERROR_KIND]?: unknown })[SLUICE_ERROR_KIND];
  } catch {
    return undefined; // a Proxy or getter that throws is no brand
  }
  return typeof kind === 'string' ? (kind as SluiceErrorKind) : undefined;
}

/**
 * Whether `error` is a {@link NonRetriableError}: an instance of it or of a
 * subclass, from this or another copy of the SDK. A task whose logic throws
 * one fails at once, without further delivery attempts.
 */
export function isNonRetriableError(error: unknown): boolean {
  return sluiceErrorKind(error) === 'NonRetriableError';
}

/**
 * The delay a thrown {@link RetryAfterError} asks for (seconds), by brand;
 * `undefined` for anything else.
 */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  if (sluiceErrorKind(error) !== 'RetryAfterError') return undefined;
  try {
    const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

export class SluiceError extends Error {
  static {
    brand(this, 'SluiceError');
  }
  override name = 'SluiceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by a logic to fail the task without further delivery attempts.
 * Subclass it freely (`class CustomerNotFound extends NonRetriableError`):
 * the runtime recognises it by brand (see {@link isNonRetriableError}).
 */
export class NonRetriableError extends SluiceError {
  static {
    brand(this, 'NonRetriableError');
  }
  override name = 'NonRetriableError';
}

/**
 * Thrown by a logic to fail this attempt and set when the next one starts:
 * `retryAfterSeconds` replaces the function's backoff for this retry (a rate
 * limit's `Retry-After`, a file not there yet). The task still counts the
 * attempt: on its last attempt it fails for good. Delays above 12 hours
 * (SQS's longest visibility timeout) are cut to 12 hours.
 *
 * @example throw new RetryAfterError(120, 'the export is not ready yet')
 */
export class RetryAfterError extends SluiceError {
  static {
    brand(this, 'RetryAfterError');
  }
  override name = 'RetryAfterError';
  constructor(
    /** Seconds from the end of this attempt to the next one (≥ 0). */
    readonly retryAfterSeconds: number,
    message = `retry in ${retryAfterSeconds} s`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    if (!Number.isFinite(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`RetryAfterError: retryAfterSeconds must be a finite number ≥ 0, got ${retryAfterSeconds}`);
  }
}

/** The input of a task does not match the process's `input` schema. */
export class ValidationError extends SluiceError {
  static {
    brand(this, 'ValidationError');
  }
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
  static {
    brand(this, 'MalformedInputError');
  }
  override name = 'MalformedInputError';
}

/** A request body or message exceeds the configured size limit. */
export class PayloadTooLargeError extends SluiceError {
  static {
    brand(this, 'PayloadTooLargeError');
  }
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
  static {
    brand(this, 'UnknownProcessError');
  }
  override name = 'UnknownProcessError';
  constructor(readonly process: string) {
    super(`unknown process '${process}'`);
  }
}

/** The same idempotency key was used with a different payload. */
export class IdempotencyConflictError extends SluiceError {
  static {
    brand(this, 'IdempotencyConflictError');
  }
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
  static {
    brand(this, 'TaskRecordTooLargeError');
  }
  override name = 'TaskRecordTooLargeError';
  constructor(
    /** Bytes as stored (see `encodeTaskRecord`); with `lowerBound`, at least this many (measuring stopped early). */
    readonly size: number,
    readonly limit: number,
    options: { lowerBound?: boolean } = {},
  ) {
    super(`task record is ${options.lowerBound ? 'more than ' : ''}${options.lowerBound ? limit : size} bytes after compression; the limit is ${limit} bytes`);
  }
}

/** Declaration problems found while loading `serverless.yml` or process modules. */
export class ConfigError extends SluiceError {
  static {
    brand(this, 'ConfigError');
  }
  override name = 'ConfigError';
}

/** Too many tasks are waiting for a free slot of a function. */
export class ThrottledError extends SluiceError {
  static {
    brand(this, 'ThrottledError');
  }
  override name = 'ThrottledError';
}

/** The runtime is shutting down and no longer accepts work. */
export class ShuttingDownError extends SluiceError {
  static {
    brand(this, 'ShuttingDownError');
  }
  override name = 'ShuttingDownError';
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new SluiceError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** A queue name that is not declared. */
export class UnknownQueueError extends SluiceError {
  static {
    brand(this, 'UnknownQueueError');
  }
  override name = 'UnknownQueueError';
  constructor(readonly queue: string) {
    super(`unknown queue '${queue}'`);
  }
}

/** The process opted out of its task queue (`sluice: { queue: false }`). */
export class AsyncDisabledError extends SluiceError {
  static {
    brand(this, 'AsyncDisabledError');
  }
  override name = 'AsyncDisabledError';
  constructor(readonly process: string) {
    super(`process '${process}' has no task queue (sluice.queue is false), so it cannot run asynchronously`);
  }
}

/** A named resource of the platform API (a trigger, an event) does not exist: 404. */
export class NotFoundError extends SluiceError {
  static {
    brand(this, 'NotFoundError');
  }
  // Named as every other 404 of the platform API answers (`{ error: "NotFound" }`).
  override name = 'NotFound';
}

/** The request conflicts with the current state (a route already taken, a static trigger edited, a stale version): 409. */
export class ConflictError extends SluiceError {
  static {
    brand(this, 'ConflictError');
  }
  override name = 'ConflictError';
}
