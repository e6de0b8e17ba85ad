/**
 * The nearest-rank percentile of `values` (`p` from 0 to 100): the smallest
 * value with at least p% of the values at or below it. For 10 samples, p90
 * is the 9th smallest; for 3, it is the largest.
 * @throws on an empty list or a `p` outside 0..100
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is not within 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
