import { ThrottledError } from '../../core/errors.js';

/**
 * Bounds the concurrent executions of one function, as Lambda's
 * `reservedConcurrency` does. Waiters queue in order; past `maxWaiting`
 * an acquire fails fast with {@link ThrottledError} (Lambda answers 429).
 */
export class Semaphore {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #idle: Array<() => void> = [];

  constructor(
    readonly limit: number,
    private readonly maxWaiting = limit * 64,
  ) {}

  get active(): number {
    return this.#active;
  }

  get available(): number {
    return Math.max(0, this.limit - this.#active);
  }

  /** Takes a slot, waiting for one if needed. Returns the release function. */
  async acquire(): Promise<() => void> {
    if (this.#active < this.limit) {
      this.#active++;
      return this.#releaser();
    }
    if (this.#waiting.length >= this.maxWaiting) throw new ThrottledError(`too many concurrent tasks (limit ${this.limit}, ${this.#waiting.length} waiting)`);
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return this.#releaser();
  }

  /** Takes a slot only if one is free right now. */
  tryAcquire(): (() => void) | undefined {
    if (this.#active >= this.limit || this.#waiting.length > 0) return undefined;
    this.#active++;
    return this.#releaser();
  }

  /** Resolves when a slot is free (without taking it). */
  async whenAvailable(): Promise<void> {
    if (this.#active < this.limit) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Resolves when nothing runs. */
  async drained(): Promise<void> {
    while (this.#active > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter: `active` stays the same.
      if (next) next();
      else this.#active--;
      for (const wake of this.#idle.splice(0)) wake();
    };
  }
}
