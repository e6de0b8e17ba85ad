import { z } from 'zod';
import { ValidationError } from '../core/errors.js';

/**
 * The opaque cursor of `DynamoTaskStore.list`: for each process not yet
 * exhausted, the `createdKey` to continue below (exclusive). base64url JSON,
 * so it travels in a query string unchanged.
 */
export type TaskListPositions = Record<string, string>;

const CursorSchema = z.object({
  v: z.literal(1),
  p: z.record(z.string().min(1).max(1024), z.string().min(1).max(2048)),
});

/** The cursor of the next page, from the positions `mergeNewestFirst` returned. */
export function encodeTaskListCursor(positions: TaskListPositions): string {
  return Buffer.from(JSON.stringify({ v: 1, p: positions }), 'utf8').toString('base64url');
}

/** @throws {ValidationError} when the cursor was not made by {@link encodeTaskListCursor} */
export function decodeTaskListCursor(cursor: string): TaskListPositions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by a previous page' }], { cause: error });
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success || Object.keys(result.data.p).length > 1000) {
    throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by a previous page' }]);
  }
  return result.data.p;
}
