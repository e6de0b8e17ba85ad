/**
 * Time as a port, so schedules, visibility timeouts and retention can be
 * tested with a controllable clock.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

export type ClockTimer = { readonly id: unknown };

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref?.();
    return { id: handle };
  },
  clearTimeout(timer) {
    clearTimeout(timer.id as NodeJS.Timeout);
  },
};

let lastMs = Number.NaN;
let lastIso = '';

/** ISO-8601 UTC with milliseconds. Memoised: a busy runtime asks for the same millisecond many times. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
