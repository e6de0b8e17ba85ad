/** Statuses worth another attempt: throttled, or a gateway/server that may recover. */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Methods that may be repeated without changing the outcome (RFC 9110 §9.2.2; TRACE aside). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): exponential
 * backoff with full jitter (AWS's "Exponential Backoff And Jitter"; Step
 * Functions `JitterStrategy: FULL`): uniform in [0, min(max, base·2^(attempt-1))).
 *
 * @param random  in [0, 1) (injectable for tests)
 * @returns milliseconds
 */
export function backoffDelayMs(attempt: number, policy: { baseDelayMs: number; maxDelayMs: number }, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 *
 * @returns milliseconds to wait (0 for a past date), or `undefined` when absent or unreadable
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
