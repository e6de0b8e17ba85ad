import { describe, expect, it } from 'vitest';
import { checkTriggerSpec, type TriggerCheckSource } from '../../../lib/config/checkTriggerSpec.js';
import { ValidationError } from '../../../lib/core/errors.js';
import type { TriggerSpec } from '../../../lib/core/triggers/TriggerSpec.js';

/** What both runtimes check a runtime queue trigger against (a ServiceManifest, or the AWS catalog). */
const source: TriggerCheckSource = {
  processes: [
    { name: 'orders', taskQueue: 'shop-dev-orders', timeoutSeconds: 60 },
    { name: 'quick', timeoutSeconds: 10 },
  ],
  queues: [
    { name: 'shop-dev-orders', visibilityTimeoutSeconds: 360, deadLetter: { queue: 'shop-dev-orders-dlq' } },
    { name: 'shop-dev-orders-dlq', visibilityTimeoutSeconds: 30 },
    { name: 'shop-dev-inbox', visibilityTimeoutSeconds: 30 },
    { name: 'shop-dev-slow', visibilityTimeoutSeconds: 60 },
  ],
  authorizers: [],
};

const queue = (name: string): TriggerSpec => ({ kind: 'queue', queue: name, batchSize: 10, maximumBatchingWindow: 0 });

describe('checkTriggerSpec: a runtime queue trigger', () => {
  it('refuses a queue whose visibility timeout is shorter than the process\'s function timeout (Lambda refuses the mapping), naming queue and both numbers', () => {
    let refused: unknown;
    try {
      checkTriggerSpec(source, 'orders', queue('shop-dev-inbox'), []);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).message).toBe(
      "invalid queue trigger: queue: 'shop-dev-inbox' has a visibility timeout of 30s, shorter than the timeout of process 'orders' (60s): AWS Lambda requires the visibility timeout to be at least the function timeout",
    );
    expect((refused as ValidationError).issues).toEqual([{ path: 'queue', message: expect.stringContaining('30s') }]);
  });

  it('accepts a visibility timeout equal to or above the function timeout (AWS\'s rule: at least)', () => {
    expect(checkTriggerSpec(source, 'orders', queue('shop-dev-slow'), [])).toEqual(queue('shop-dev-slow'));
    expect(checkTriggerSpec(source, 'quick', queue('shop-dev-inbox'), [])).toEqual(queue('shop-dev-inbox'));
  });
});
