import type { Clock, ClockTimer } from '../../core/ports/Clock.js';

/** What {@link QueueWakeups} asks its queue. */
export interface QueueProbe {
  /** The earliest time (epoch ms) after now at which an invisible message becomes visible. */
  nextVisibleAt(now: number): number | undefined;
  /** Whether a message can be received now. */
  hasVisible(now: number): boolean;
}

interface Waiter {
  /** Tries to finish the wait; false when nothing was available. */
  attempt(): boolean;
  cancel(): void;
}

/**
 * Wakes the consumers of one queue when it may have work: long-polling
 * receives ({@link QueueWakeups.wait}) and `onAvailable` listeners.
 *
 * No polling: a send calls {@link QueueWakeups.notify}; for messages that
 * become visible later (delayed, or whose visibility timeout runs out) one
 * timer of the injected clock is armed at the earliest such time, and only
 * while someone is waiting or listening.
 */
export class QueueWakeups {
  readonly #clock: Clock;
  readonly #probe: QueueProbe;
  readonly #onListenerError: (error: unknown) => void;
  readonly #waiters = new Set<Waiter>();
  readonly #listeners = new Set<() => void>();
  #timer: ClockTimer | undefined;
  #timerDue = 0;
  #notifyPending = false;
  #closed = false;

  constructor(clock: Clock, probe: QueueProbe, onListenerError: (error: unknown) => void) {
    this.#clock = clock;
    this.#probe = probe;
    this.#onListenerError = onListenerError;
  }

  /**
   * Long poll: resolves with the first non-empty result of `attempt`, tried
   * whenever the queue may have work, or with `[]` after `timeoutMs`.
   * The caller has already tried once.
   */
  wait<T>(attempt: () => T[], timeoutMs: number): Promise<T[]> {
    if (this.#closed) return Promise.resolve([]);
    return new Promise<T[]>((resolve, reject) => {
      const done = () => {
        this.#waiters.delete(waiter);
        this.#clock.clearTimeout(timer);
        if (!this.#interested) this.#disarm();
      };
      const waiter: Waiter = {
        attempt: () => {
          let got: T[];
          try {
            got = attempt();
          } catch (error) {
            done();
            reject(error);
            return true;
          }
          if (got.length === 0) return false;
          done();
          resolve(got);
          return true;
        },
        cancel: () => {
          done();
          resolve([]);
        },
      };
      const timer = this.#clock.setTimeout(() => {
        if (!waiter.attempt()) waiter.cancel();
      }, timeoutMs);
      this.#waiters.add(waiter);
      this.#arm();
    });
  }

  /**
   * Calls `listener` whenever messages may have become available; returns
   * the unsubscribe function. If a message is visible already, the listener
   * is called soon: a consumer that found the queue empty and subscribes a
   * moment later must not miss a message sent in between.
   */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (this.#probe.hasVisible(this.#clock.now())) this.notify();
    this.#arm();
    return () => {
      this.#listeners.delete(listener);
      if (!this.#interested) this.#disarm();
    };
  }

  /** Messages became visible now: wake consumers (once per microtask, however many sends). */
  notify(): void {
    if (this.#notifyPending || this.#closed || !this.#interested) return;
    this.#notifyPending = true;
    queueMicrotask(() => {
      this.#notifyPending = false;
      this.#wake();
    });
  }

  /** A message becomes visible at `at` (epoch ms): make sure a timer fires by then. */
  visibleAt(at: number): void {
    if (this.#interested) this.#arm(at);
  }

  /** Ends every wait with `[]` and drops listeners and timers. */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.cancel();
    this.#listeners.clear();
    this.#disarm();
  }

  get #interested(): boolean {
    return !this.#closed && (this.#waiters.size > 0 || this.#listeners.size > 0);
  }

  #wake(): void {
    if (this.#closed) return;
    // Oldest waiter first; stop at the first that finds nothing: the queue is empty for the rest too.
    for (const waiter of [...this.#waiters]) if (!waiter.attempt()) break;
    if (this.#listeners.size === 0 || !this.#probe.hasVisible(this.#clock.now())) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** Arms the timer for `hint`, or for the queue's next visibility time when no hint is given. */
  #arm(hint?: number): void {
    if (!this.#interested) return;
    const now = this.#clock.now();
    const due = hint ?? this.#probe.nextVisibleAt(now);
    if (due === undefined) return;
    if (this.#timer && this.#timerDue <= due) return;
    this.#disarm();
    this.#timerDue = due;
    // At least 1 ms: a timer that fires a little early re-arms instead of spinning.
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#wake();
      this.#arm();
    }, Math.max(1, due - now));
  }

  #disarm(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
