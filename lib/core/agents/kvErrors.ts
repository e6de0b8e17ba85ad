import { AgentRefusedError } from './agentErrors.js';

/** What a {@link KvRefusedError} refused. */
export type KvRefusal = 'key' | 'value' | 'valueTooLarge' | 'ttl' | 'taskId' | 'by' | 'notANumber' | 'limit' | 'cursor';

/**
 * A key-value call refused before anything was written (an invalid key,
 * value, TTL, page limit or cursor) or an increment of a value that is not a
 * number. Not retriable: the same call is refused again. The message names
 * the key (shortened past 100 characters); values are never quoted.
 */
export class KvRefusedError extends AgentRefusedError {
  constructor(
    operation: string,
    readonly reason: KvRefusal,
    message: string,
    /** The key concerned, when there is one. */
    readonly key?: string,
    options?: ErrorOptions,
  ) {
    super('kv', operation, message, options);
    this.name = 'KvRefusedError';
  }
}

/** A value whose JSON is larger than the limit. */
export class KvValueTooLargeError extends KvRefusedError {
  constructor(
    operation: string,
    key: string,
    /** Bytes of the value's JSON (UTF-8). */
    readonly size: number,
    /** Bytes. */
    readonly limit: number,
  ) {
    super(operation, 'valueTooLarge', `the value of ${describeKey(key)} is ${size} bytes of JSON; the limit is ${limit} bytes`, key);
    this.name = 'KvValueTooLargeError';
  }
}

/** `increment` on a live entry whose value is not a number. */
export class KvNotANumberError extends KvRefusedError {
  /** What the stored value is: 'string', 'boolean', 'object', 'array' or 'null'. */
  readonly valueType: string;

  constructor(key: string, storedValue: unknown) {
    const valueType = storedValue === null ? 'null' : Array.isArray(storedValue) ? 'array' : typeof storedValue;
    super('increment', 'notANumber', `the value of ${describeKey(key)} is not a number (${valueType})`, key);
    this.name = 'KvNotANumberError';
    this.valueType = valueType;
  }
}

/** `key 'x'` for messages, shortened past 100 characters. */
export function describeKey(key: string): string {
  const shown = key.length > 100 ? `${key.slice(0, 100)}…` : key;
  return `key ${JSON.stringify(shown)}`;
}
