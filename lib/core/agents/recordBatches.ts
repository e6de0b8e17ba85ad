/**
 * An internal hand-over between the agents' record producers and consumers,
 * beside the public ports (which stay `AsyncIterable` of records): a reader
 * such as `FileStorageAgent.readCsv` returns an async iterable of records
 * that also has a `[RECORD_BATCHES]()` method yielding the same records in
 * arrays, as they come out of its parser; `DatabaseAgent.load` takes the
 * arrays when they are there, so a record costs no promise of its own.
 *
 * A registered symbol (`Symbol.for`), so that agents loaded twice (two copies
 * of the package, a bundle beside the library) still recognise each other.
 */
export const RECORD_BATCHES: unique symbol = Symbol.for('sluice.recordBatches');

/** Records to iterate one at a time, or, through `[RECORD_BATCHES]()`, in non-empty arrays (the same records, in order). */
export type BatchedRecords<T> = AsyncIterable<T> & { [RECORD_BATCHES](): AsyncIterable<T[]> };

/**
 * The arrays of `records` when it is {@link BatchedRecords}, else `undefined`
 * (iterate it record by record). Calling it starts the read: a reader allows
 * one way of iterating per call.
 */
export function recordBatchesOf<T>(records: Iterable<T> | AsyncIterable<T>): AsyncIterable<T[]> | undefined {
  const batches = (records as Partial<BatchedRecords<T>>)[RECORD_BATCHES];
  return typeof batches === 'function' ? batches.call(records) : undefined;
}
