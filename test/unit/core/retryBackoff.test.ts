import { describe, expect, it } from 'vitest';
import { parseFunctionSluice, parseSluiceSettings } from '../../../lib/config/sluiceSettings.js';
import { NonRetriableError, RetryAfterError, retryAfterSecondsOf, sluiceErrorKind } from '../../../lib/core/errors.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import { backoffDelaySeconds, DEFAULT_BACKOFF, MAX_RETRY_DELAY_SECONDS, type BackoffPolicy } from '../../../lib/core/retry/RetryPolicy.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { TaskRunner, type Delivery } from '../../../lib/core/runner/TaskRunner.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import * as sdk from '../../../lib/index.js';

const exact: BackoffPolicy = { initialSeconds: 10, multiplier: 2, maxSeconds: 60, jitter: 'none' };

describe('backoffDelaySeconds', () => {
  it('grows by the multiplier from initialSeconds and stops at maxSeconds (no jitter)', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelaySeconds(exact, attempt).seconds)).toEqual([10, 20, 40, 60, 60]);
  });

  it('full jitter draws uniformly in [0, computed] (AWS "full jitter", as Step Functions\' JitterStrategy FULL)', () => {
    const full = { ...exact, jitter: 'full' as const };
    expect(backoffDelaySeconds(full, 3, () => 0).seconds).toBe(0);
    expect(backoffDelaySeconds(full, 3, () => 0.5).seconds).toBe(20);
    expect(backoffDelaySeconds(full, 3, () => 0.999_999).seconds).toBe(40);
  });

  it('a RetryAfterError\'s delay replaces the backoff; anything above SQS\'s 12 h is clamped and says so', () => {
    expect(backoffDelaySeconds(exact, 1, Math.random, 2.2)).toEqual({ seconds: 3, source: 'retry-after' });
    expect(backoffDelaySeconds(exact, 1, Math.random, 86_400)).toEqual({ seconds: MAX_RETRY_DELAY_SECONDS, source: 'retry-after', clampedFrom: 86_400 });
    expect(MAX_RETRY_DELAY_SECONDS).toBe(12 * 3600);
  });

  it('defaults: 10 s doubling up to 15 min, full jitter', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialSeconds: 10, multiplier: 2, maxSeconds: 900, jitter: 'full' });
  });
});

describe('RetryAfterError', () => {
  it('is exported by the SDK next to NonRetriableError and classified by brand', () => {
    expect(sdk.RetryAfterError).toBe(RetryAfterError);
    class RateLimited extends RetryAfterError {}
    expect(sluiceErrorKind(new RateLimited(5))).toBe('RetryAfterError');
    expect(retryAfterSecondsOf(new RateLimited(5))).toBe(5);
    const lookalike = Object.assign(new Error('x'), { name: 'RetryAfterError', retryAfterSeconds: 5 });
    expect(retryAfterSecondsOf(lookalike)).toBeUndefined();
    expect(() => new RetryAfterError(-1)).toThrow(RangeError);
  });
});

function processThrowing(error: () => Error, backoff?: BackoffPolicy): RunnableProcess {
  return {
    name: 'demo',
    timeoutMs: 5000,
    ...(backoff ? { backoff } : {}),
    definition: buildProcessDefinition({
      logics: [{ name: 'work', run: () => { throw error(); } }],
      aggregator: { name: 'agg', run: () => 'never' },
    }),
  };
}

const delivery = (overrides: Partial<Delivery> = {}): Delivery => ({
  taskId: `t-${Math.random().toString(36).slice(2)}`,
  trigger: { type: 'api' },
  payload: { type: 'api', body: {} },
  createdAt: new Date().toISOString(),
  receiveCount: 1,
  maxAttempts: 3,
  ...overrides,
});

describe('TaskRunner: the retry decision carries its delay', () => {
  const runner = (random = () => 0.5) => new TaskRunner({ store: new MemoryTaskStore(), clock: new ManualClock(), retentionSeconds: 3600, trackRunning: false, random });

  it('retry → delaySeconds from the process\'s backoff, per attempt; the record\'s log says when', async () => {
    const r = runner();
    const proc = processThrowing(() => new Error('down'), exact);
    const d = delivery();
    const first = await r.deliver(proc, d);
    expect(first).toMatchObject({ decision: 'retry', delaySeconds: 10, record: { status: 'queued', attempts: 1 } });
    expect(first.record.logs.at(-1)!.message).toBe('attempt 1 of 3 failed; the task will be retried in 10 s (backoff)');
    expect(await r.deliver(proc, { ...d, receiveCount: 2 })).toMatchObject({ decision: 'retry', delaySeconds: 20 });
    expect(await r.deliver(proc, { ...d, receiveCount: 3 })).toMatchObject({ decision: 'dead-letter', record: { status: 'failed' } });
  });

  it('uses the default backoff (full jitter, drawn from the runner\'s random source) when the process declares none', async () => {
    expect(await runner(() => 0.5).deliver(processThrowing(() => new Error('down')), delivery())).toMatchObject({ decision: 'retry', delaySeconds: 5 });
  });

  it('RetryAfterError sets the delay, clamped to 12 h; NonRetriableError stops at once', async () => {
    const r = runner();
    expect(await r.deliver(processThrowing(() => new RetryAfterError(90, 'slow down'), exact), delivery())).toMatchObject({ decision: 'retry', delaySeconds: 90 });
    const long = await r.deliver(processThrowing(() => new RetryAfterError(100_000), exact), delivery());
    expect(long).toMatchObject({ decision: 'retry', delaySeconds: 43_200 });
    expect(long.record.logs.at(-1)!.message).toContain('(100000 s asked; SQS allows at most 12 h)');
    expect(await r.deliver(processThrowing(() => new NonRetriableError('bad'), exact), delivery())).toMatchObject({ decision: 'dead-letter', record: { attempts: 1 } });
    // On the last attempt a RetryAfterError fails the task like any error.
    expect(await r.deliver(processThrowing(() => new RetryAfterError(5), exact), delivery({ receiveCount: 3 }))).toMatchObject({ decision: 'dead-letter' });
  });
});

describe('functions.<name>.sluice.retry', () => {
  const settings = parseSluiceSettings(undefined);
  it('sets the backoff (defaults for what is not given) and maxAttempts as the task queue\'s maxReceiveCount', () => {
    const parsed = parseFunctionSluice({ retry: { maxAttempts: 7, backoff: { initialSeconds: '30', jitter: 'none' } } }, 'load', settings);
    expect(parsed).toMatchObject({ process: true, taskQueue: { maxReceiveCount: 7 }, backoff: { initialSeconds: 30, multiplier: 2, maxSeconds: 900, jitter: 'none' } });
    expect(parseFunctionSluice(undefined, 'load', settings)).toMatchObject({ backoff: DEFAULT_BACKOFF, taskQueue: { maxReceiveCount: 5 } });
  });

  it('refuses typos, contradictions and delays SQS cannot hold, naming the setting', () => {
    expect(() => parseFunctionSluice({ retry: { backof: {} } }, 'load', settings)).toThrow(/functions\.load\.sluice\.retry/);
    expect(() => parseFunctionSluice({ retry: { backoff: { jitter: 'half' } } }, 'load', settings)).toThrow(/functions\.load\.sluice/);
    expect(() => parseFunctionSluice({ retry: { backoff: { maxSeconds: 50_000 } } }, 'load', settings)).toThrow(/functions\.load\.sluice/);
    expect(() => parseFunctionSluice({ retry: { backoff: { initialSeconds: 60, maxSeconds: 30 } } }, 'load', settings)).toThrow(/maxSeconds \(30\) is below initialSeconds \(60\)/);
    expect(() => parseFunctionSluice({ retry: { maxAttempts: 3 }, queue: { maxReceiveCount: 4 } }, 'load', settings)).toThrow(/say different things/);
    expect(() => parseFunctionSluice({ retry: { maxAttempts: 3 }, queue: false }, 'load', settings)).toThrow(/no task queue/);
  });
});
