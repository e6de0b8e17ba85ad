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

/** `arrays`' items in arrays of exactly `size` (the last one shorter), sliced, not copied item by item: an array of that size passes as it is. */
async function* regrouped<T>(arrays: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const array of arrays) {
    let start = 0;
    if (batch.length > 0) {
      // Top up the batch left from the arrays before.
      start = Math.min(size - batch.length, array.length);
      for (let i = 0; i < start; i++) batch.push(array[i]!);
      if (batch.length < size) continue;
      yield batch;
    }
    for (; start + size <= array.length; start += size) yield start === 0 && array.length === size ? array : array.slice(start, start + size);
    batch = array.slice(start);
  }
  if (batch.length > 0) yield batch;
}
