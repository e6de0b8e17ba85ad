/** Rejects NaN and infinities passed as a time: a caller bug, not a schedule problem. */
export function assertInstant(ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`expected epoch milliseconds, got ${ms}`);
}
