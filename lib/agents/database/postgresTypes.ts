import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { isoTimestamp } from './isoTimestamp.js';

const { builtins } = pg.types;
// pg-types' d.ts declares arrayParser as a function; at run time it is `{ create(source, transform) }`.
const arrayParser = pg.types.arrayParser as unknown as { create(source: string, transform: (entry: string | null) => unknown): { parse(): unknown[] } };

/** A Buffer as a plain Uint8Array over the same bytes (no copy): the port promises Uint8Array, identical across engines. */
export function plainBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

const identity = (text: string): string => text;
const parseBytea = (text: string): Uint8Array => plainBytes(pg.types.getTypeParser(builtins.BYTEA, 'text')(text) as Buffer);
const arrayOf =
  (parse: (text: string) => unknown) =>
  (text: string): unknown[] =>
    arrayParser.create(text, (entry) => (entry === null ? null : parse(entry))).parse();

/**
 * Text-format parsers that differ from pg's defaults: dates and timestamps
 * stay exact text (no local-time `Date`), bytes become plain Uint8Array.
 * BIGINT and NUMERIC are already strings, JSON/JSONB already parsed.
 */
const PARSERS = new Map<number, (text: string) => unknown>([
  [builtins.DATE, identity],
  [builtins.TIMESTAMP, isoTimestamp],
  [builtins.TIMESTAMPTZ, isoTimestamp],
  [builtins.BYTEA, parseBytea],
  [1182, arrayOf(identity)], // date[]
  [1115, arrayOf(isoTimestamp)], // timestamp[]
  [1185, arrayOf(isoTimestamp)], // timestamptz[]
  [1001, arrayOf(parseBytea)], // bytea[]
  [1231, arrayOf(identity)], // numeric[]: exact text, like numeric
]);

/**
 * The type parsers of the database agent's pg pools (the pool's `types`
 * option: the global `pg.types` stays untouched for other users of pg in the
 * process). Implements DatabaseAgent's type mapping.
 */
export const postgresTypeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const parser = format === 'binary' ? undefined : PARSERS.get(oid);
    return parser ?? pg.types.getTypeParser(oid, format ?? 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

const NAMES = new Map<number, string>(Object.entries(builtins).map(([name, oid]) => [oid, name.toLowerCase()]));
for (const [oid, name] of [
  [1000, '_bool'], [1001, '_bytea'], [1005, '_int2'], [1007, '_int4'], [1016, '_int8'], [1009, '_text'], [1015, '_varchar'],
  [1021, '_float4'], [1022, '_float8'], [1231, '_numeric'], [1182, '_date'], [1115, '_timestamp'], [1185, '_timestamptz'],
  [199, '_json'], [3807, '_jsonb'], [2951, '_uuid'],
] as const) NAMES.set(oid, name);

/** PostgreSQL's name of a built-in type (`int8`, `numeric`, `_int4`...); `oid:<n>` for others (enums, domains, extensions). */
export function postgresTypeName(oid: number): string {
  return NAMES.get(oid) ?? `oid:${oid}`;
}
