import * as z from 'zod';
import { ValidationError } from './errors.js';

/**
 * Opaque pagination cursors: base64url of a JSON value. They are not signed;
 * a forged cursor only moves the page start, which the caller could do anyway.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** @throws {ValidationError} when the cursor was not made by {@link encodeCursor} with this shape */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ValidationError('malformed cursor', [{ path: 'cursor', message: 'not a cursor from a previous page' }], { cause: error });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new ValidationError('malformed cursor', [{ path: 'cursor', message: 'not a cursor from a previous page' }], { cause: result.error });
  }
  return result.data;
}
