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
