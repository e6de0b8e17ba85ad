import { ValidationError } from './errors.js';

/** Page sizes of every list (tasks, peeked messages): 1 to 100 entries, 20 unless asked. */
export const PAGE_LIMIT = { min: 1, max: 100, default: 20 } as const;

/**
 * The one check of a page size, for the stores and consoles that take one.
 * @throws {ValidationError} (path `limit`) outside {@link PAGE_LIMIT}
 */
export function assertPageLimit(limit: number, where = 'page query'): void {
  if (!Number.isInteger(limit) || limit < PAGE_LIMIT.min || limit > PAGE_LIMIT.max) {
    throw new ValidationError(`invalid ${where}: limit must be an integer from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}`, [
      { path: 'limit', message: `must be an integer from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}` },
    ]);
  }
}
