import type { Clock, ClockTimer } from '../core/ports/Clock.js';

interface PendingTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order while
 * {@link ManualClock.advance} walks time forward.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2026-01-05T09:59:00Z'));
 * const runtime = await startEmbeddedRuntime({ clock, ... });
 * await clock.advance(60_000); // the 10:00 schedule fires
 */
export class ManualClock implements Clock {
  #now: number;
  #timers = new Map<number, PendingTimer>();
  #nextId = 1;

  constructor(startMs = Date.now()) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer.id as number);
  }

  /** Pending timers, for assertions. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way
   * (including timers those timers set), and lets promise callbacks run
   * between them.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = [...this.#timers.values()].filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Jumps to an absolute time (must not go backwards). */
  async advanceTo(ms: number): Promise<void> {
    await this.advance(Math.max(0, ms - this.#now));
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
