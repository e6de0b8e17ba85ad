import { describe, expect, it } from 'vitest';
import { integerParameter, pageLimitParameter } from '../../../lib/http/queryParameters.js';

describe('strict integer query parameters', () => {
  it('accepts plain decimal digits in range only', () => {
    const delaySeconds = integerParameter(0, 900);
    expect(delaySeconds.parse('0')).toBe(0);
    expect(delaySeconds.parse('900')).toBe(900);
    for (const raw of ['', ' 5', '5 ', '+5', '-0', '05', '0x10', '1e1', '5.0', '1,2', '901', 'Infinity', '9'.repeat(30)]) {
      expect(delaySeconds.safeParse(raw).success, JSON.stringify(raw)).toBe(false);
    }
  });

  it('defaults limit to 20 and bounds it to 1..100', () => {
    expect(pageLimitParameter.parse(undefined)).toBe(20);
    expect(pageLimitParameter.parse('1')).toBe(1);
    expect(pageLimitParameter.parse('100')).toBe(100);
    for (const raw of ['0', '101', '0x10', '1e1', ' 5', '']) expect(pageLimitParameter.safeParse(raw).success, raw).toBe(false);
  });
});
