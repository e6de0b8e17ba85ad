/**
 * Groups `rows` (an array, any iterable, or an async iterable read one row at
 * a time) into arrays of at most `size`: memory holds one batch.
 */
export async function* batches<T>(rows: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
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
