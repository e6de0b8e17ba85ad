/**
 * How a process's failed deliveries are spaced (`sluice.retry.backoff` in
 * serverless.yml). Pure: the runner turns a failure into a delay with
 * {@link backoffDelaySeconds}; each runtime's queue applies it by changing
 * the message's visibility (SQS `ChangeMessageVisibility`, the same
 * operation on the embedded queue), so the wait survives restarts.
 *
 * Model: AWS's "Exponential Backoff And Jitter" (full jitter) as used by
 * Step Functions (`JitterStrategy: FULL`) and Powertools:
 * `delay = random(0, min(maxSeconds, initialSeconds × multiplier^(attempt-1)))`.
 */
export interface BackoffPolicy {
  /** Delay after the first failed attempt, seconds (before jitter). @default 10 */
  initialSeconds: number;
  /** Growth per further failed attempt. @default 2 */
  multiplier: number;
  /** Cap of the delay, seconds; at most {@link MAX_RETRY_DELAY_SECONDS}. @default 900 */
  maxSeconds: number;
  /** `full`: a uniformly random delay in [0, computed]; `none`: exactly the computed delay. @default 'full' */
  jitter: 'full' | 'none';
}

/**
 * SQS keeps a received message invisible for at most 12 hours
 * (`ChangeMessageVisibility` refuses more: visibility timeout 0–43 200 s), so
 * no retry can be delayed further; longer delays (a `RetryAfterError` of a
 * day) are clamped to this, and the task's log says so.
 */
export const MAX_RETRY_DELAY_SECONDS = 43_200;

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialSeconds: 10, multiplier: 2, maxSeconds: 900, jitter: 'full' });

/** Where a retry's delay came from, for the task's log. */
export interface RetryDelay {
  /** Whole seconds the message stays invisible, 0..{@link MAX_RETRY_DELAY_SECONDS}. */
  seconds: number;
  /** `retry-after`: the logic threw a `RetryAfterError`. */
  source: 'backoff' | 'retry-after';
  /** Set when the wanted delay was above what SQS allows and was cut to its maximum. */
  clampedFrom?: number;
}

/**
 * The delay before the delivery that follows failed attempt `attempt` (1-based).
 *
 * @param random a source of [0, 1) (Math.random by default; tests pass their own)
 * @param retryAfterSeconds what a thrown `RetryAfterError` asked for: it replaces the backoff
 */
export function backoffDelaySeconds(policy: BackoffPolicy, attempt: number, random: () => number = Math.random, retryAfterSeconds?: number): RetryDelay {
  if (retryAfterSeconds !== undefined) return clamp(Math.ceil(retryAfterSeconds), 'retry-after');
  const exponent = Math.max(0, attempt - 1);
  const computed = Math.min(policy.maxSeconds, policy.initialSeconds * policy.multiplier ** exponent);
  const seconds = policy.jitter === 'full' ? Math.floor(random() * (computed + 1)) : Math.round(computed);
  return clamp(seconds, 'backoff');
}

function clamp(seconds: number, source: RetryDelay['source']): RetryDelay {
  const safe = Number.isFinite(seconds) ? Math.max(0, seconds) : MAX_RETRY_DELAY_SECONDS + 1;
  if (safe <= MAX_RETRY_DELAY_SECONDS) return { seconds: safe, source };
  return { seconds: MAX_RETRY_DELAY_SECONDS, source, clampedFrom: safe };
}
