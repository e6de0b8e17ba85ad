import * as z from 'zod';
import { ValidationError } from '../core/errors.js';
import { decodeCursor, encodeCursor } from '../core/pageCursor.js';

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
  return encodeCursor({ v: 1, p: positions });
}

/** @throws {ValidationError} when the cursor was not made by {@link encodeTaskListCursor} */
export function decodeTaskListCursor(cursor: string): TaskListPositions {
  const { p } = decodeCursor(cursor, CursorSchema);
  if (Object.keys(p).length > 1000) {
    throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by a previous page' }]);
  }
  return p;
}
