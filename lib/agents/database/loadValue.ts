/**
 * A row value as `load` writes it, the same on every engine and path (COPY or
 * INSERT): plain objects and arrays as JSON text (for JSON columns; the port
 * reads JSON back parsed), bigint as its decimal text, bytes as a Buffer,
 * `undefined` (a column the row lacks) as null. Dates, numbers, booleans and
 * strings go to the driver as they are.
 */
export function loadValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof Date) return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

const COPY_SPECIAL = /[\\\n\r\t]/;

/**
 * One value in PostgreSQL's COPY text format: `\N` for null, backslash,
 * newline, carriage return and tab escaped; bytes as bytea hex (`\\x..`,
 * its backslash escaped too); dates as ISO-8601 UTC.
 */
export function copyTextValue(value: unknown): string {
  // The common case first (every value of a CSV record is a string): nothing to escape, nothing to convert.
  if (typeof value === 'string' && !COPY_SPECIAL.test(value)) return value;
  const loaded = loadValue(value);
  if (loaded === null) return '\\N';
  if (Buffer.isBuffer(loaded)) return `\\\\x${loaded.toString('hex')}`;
  if (loaded instanceof Date) return loaded.toISOString();
  if (typeof loaded === 'boolean') return loaded ? 't' : 'f';
  return String(loaded).replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/**
 * Why a `Date` value cannot be sent, or undefined: an invalid Date
 * (`new Date('x')`: MySQL would store the zero date), or a year outside
 * 0001-9999 (ISO-8601's four digits: PostgreSQL refuses the six-digit form,
 * mysql2 cannot encode it).
 */
export function invalidDateReason(value: unknown): string | undefined {
  if (!(value instanceof Date)) return undefined;
  const time = value.getTime();
  if (Number.isNaN(time)) return 'an invalid Date';
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) return `a Date in year ${year} (years 0001-9999 only)`;
  return undefined;
}
