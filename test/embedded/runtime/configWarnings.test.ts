import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { startHarness } from './runtimeHarness.js';

describe('embedded runtime: keys that only configure Lambda', () => {
  it('starts, and says once which keys have no effect on the embedded runtime (labels left out)', async () => {
    const warnings: string[] = [];
    const log: RuntimeLog = { info() {}, warn: (message) => void warnings.push(message), error() {} };
    const h = await startHarness({ configPath: resolve(import.meta.dirname, '../../fixtures/schedules/lambda-keys.yml'), log });
    try {
      const about = warnings.filter((w) => w.includes('no effect on the embedded runtime'));
      expect(about).toEqual(['these keys configure Lambda on AWS and have no effect on the embedded runtime: functions.a.ephemeralStorageSize, functions.a.vpc, functions.b.layers']);
    } finally {
      await h.stop();
    }
  });
});
