import { recordBatchesOf } from '../../core/agents/recordBatches.js';

/**
 * Groups `rows` into arrays of at most `size` (memory holds one batch):
 * - an array: its slices, with no promise per row;
 * - `BatchedRecords` (a file agent's reader): its arrays, regrouped, with no
 *   promise per row (`[RECORD_BATCHES]()` is called, which starts its read);
 * - any other iterable or async iterable: read one row at a time.
 */
export async function* batches<T>(rows: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  if (Array.isArray(rows)) {
    for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size) as T[];
    return;
  }
  const arrays = recordBatchesOf(rows);
  if (arrays !== undefined) {
    yield* regrouped(arrays, size);
    return;
  }
  let batch: T[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** `arrays`' items in arrays of exactly `size` (the last one shorter): an array of that size passes as it is. */
async function* regrouped<T>(arrays: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const array of arrays) {
    if (batch.length === 0 && array.length === size) {
      yield array;
      continue;
    }
    for (let i = 0; i < array.length; i++) {
      batch.push(array[i]!);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
