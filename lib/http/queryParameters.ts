import * as z from 'zod';
import { PAGE_LIMIT } from '../core/pageLimit.js';

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * A query parameter that is an integer in `[min, max]`, parsed strictly:
 * plain decimal digits only. `0x10`, `1e1`, ` 5`, `+5`, `5.0` and the empty
 * string are refused (a 400 naming the parameter), where `Number()` and
 * `z.coerce.number()` would read 16, 10, 5, 5, 5 and 0.
 */
export function integerParameter(min: number, max: number) {
  return z
    .string()
    .regex(DECIMAL, `must be a decimal integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));
}

/** `limit` of every list route: {@link PAGE_LIMIT}, 20 when absent. */
export const pageLimitParameter = integerParameter(PAGE_LIMIT.min, PAGE_LIMIT.max).default(PAGE_LIMIT.default);
