import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/core/errors.js';
import { pageLimitParameter, parseIntegerParameter } from '../../../lib/http/queryParameters.js';

describe('strict integer query parameters', () => {
  it('accepts plain decimal digits in range only', () => {
    expect(parseIntegerParameter('delaySeconds', '0', 0, 900)).toBe(0);
    expect(parseIntegerParameter('delaySeconds', '900', 0, 900)).toBe(900);
    expect(parseIntegerParameter('delaySeconds', undefined, 0, 900)).toBeUndefined();
    for (const raw of ['', ' 5', '5 ', '+5', '-0', '05', '0x10', '1e1', '5.0', '1,2', '901', 'Infinity', '9'.repeat(30)]) {
      expect(() => parseIntegerParameter('delaySeconds', raw, 0, 900), JSON.stringify(raw)).toThrow(ValidationError);
      try {
        parseIntegerParameter('delaySeconds', raw, 0, 900);
      } catch (error) {
        expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['delaySeconds']);
      }
    }
  });

  it('defaults limit to 20 and bounds it to 1..100', () => {
    expect(pageLimitParameter.parse(undefined)).toBe(20);
    expect(pageLimitParameter.parse('1')).toBe(1);
    expect(pageLimitParameter.parse('100')).toBe(100);
    for (const raw of ['0', '101', '0x10', '1e1', ' 5', '']) expect(pageLimitParameter.safeParse(raw).success, raw).toBe(false);
  });
});
