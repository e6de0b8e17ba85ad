import { ThrottledError } from '../../core/errors.js';

/**
 * The concurrency of one function: how many of its TASKS run at once
 * (`reservedConcurrency`, else `defaultConcurrency`), whatever started them:
 * every running task holds one slot, sync requests, queue deliveries (one
 * per message, not per batch) and in-process schedules alike.
 *
 * Two ways in, as on Lambda: a synchronous request takes a slot now or is
 * throttled at once ({@link acquireNow}, a 429); queue consumers and
 * schedules, which hold their work already, wait their turn in order
 * ({@link acquire}).
 */
export class Semaphore {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #idle: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get active(): number {
    return this.#active;
  }

  get available(): number {
    return Math.max(0, this.limit - this.#active);
  }

  /** Takes a slot, waiting (in order) for one if needed. Returns the release function. */
  async acquire(): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return now;
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return this.#releaser();
  }

  /**
   * Takes a slot now or throws {@link ThrottledError} (Lambda's throttling:
   * an invocation past the function's concurrency fails at once; it never
   * waits, so it never runs past its timeout).
   */
  acquireNow(functionName: string): () => void {
    const release = this.tryAcquire();
    if (release) return release;
    throw new ThrottledError(`function '${functionName}' is at its concurrency limit (${this.limit} running task${this.limit === 1 ? '' : 's'}); retry later`);
  }

  /** Takes a slot only if one is free right now (and nobody waits for one). */
  tryAcquire(): (() => void) | undefined {
    if (this.#active >= this.limit || this.#waiting.length > 0) return undefined;
    this.#active++;
    return this.#releaser();
  }

  /** Resolves when a slot is free (without taking it). */
  async whenAvailable(): Promise<void> {
    while (this.#active >= this.limit) await new Promise<void>((resolve) => this.#idle.push(resolve));
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
