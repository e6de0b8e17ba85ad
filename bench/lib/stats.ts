/** The median (mean of the middle two for an even count). @throws on an empty list */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `1234.5` -> `1,235`; small values keep `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `3.456` -> `3.46x`. */
export const formatRatio = (value: number) => `${value.toFixed(2)}x`;

export const formatPercent = (value: number) => `${(value * 100).toFixed(0)}%`;

export const formatMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** `12345` -> `12.1 KB`; NaN -> `n/a`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (bytes < 1024) return `${bytes.toFixed(0)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
