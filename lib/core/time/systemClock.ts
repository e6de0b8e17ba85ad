import type { Clock } from '../ports/Clock.js';

/**
 * The wall clock: the {@link Clock} every runtime uses outside tests (ManualClock,
 * in lib/testing, is the other). Timers are unref'd: a pending timeout never keeps
 * the process alive on its own.
 */
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
