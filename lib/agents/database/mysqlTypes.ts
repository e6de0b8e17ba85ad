import type { TypeCast } from 'mysql2';
import { isoTimestamp } from './isoTimestamp.js';
import { plainBytes } from './postgresTypes.js';

/** mysql2's options that implement DatabaseAgent's type mapping (with the session's `time_zone = '+00:00'`). */
export const mysqlTypeOptions = {
  // BIGINT and DECIMAL as exact strings, whatever their size.
  supportBigNumbers: true,
  bigNumberStrings: true,
  // DATE as 'YYYY-MM-DD' text, no local-time Date; DATETIME/TIMESTAMP rewritten by typeCast.
  dateStrings: true,
  timezone: 'Z',
  typeCast: ((field, next) => {
    switch (field.type) {
      case 'DATETIME':
      case 'DATETIME2':
      case 'TIMESTAMP':
      case 'TIMESTAMP2': {
        const text = field.string();
        return text === null ? null : isoTimestamp(text);
      }
      case 'BLOB':
      case 'TINY_BLOB':
      case 'MEDIUM_BLOB':
      case 'LONG_BLOB':
      case 'VAR_STRING':
      case 'STRING':
      case 'BIT': {
        // Binary columns come as Buffers (text ones as strings): plain Uint8Array, as on PostgreSQL.
        const value: unknown = next();
        return Buffer.isBuffer(value) ? plainBytes(value) : value;
      }
      default:
        return next();
    }
  }) satisfies TypeCast,
} as const;

/** The binary character set's number: a string type in it is a binary type. */
const BINARY_CHARSET = 63;

const NAMES: Record<number, string> = {
  0: 'decimal', 1: 'tinyint', 2: 'smallint', 3: 'int', 4: 'float', 5: 'double', 6: 'null', 7: 'timestamp', 8: 'bigint', 9: 'mediumint',
  10: 'date', 11: 'time', 12: 'datetime', 13: 'year', 14: 'date', 15: 'varchar', 16: 'bit', 245: 'json', 246: 'decimal', 247: 'enum',
  248: 'set', 249: 'tinyblob', 250: 'mediumblob', 251: 'longblob', 252: 'blob', 253: 'varchar', 254: 'char', 255: 'geometry',
};
const TEXT_OF_BLOB: Record<string, string> = { tinyblob: 'tinytext', mediumblob: 'mediumtext', longblob: 'longtext', blob: 'text' };

/** MySQL's name of a column's type (`bigint`, `decimal`, `varchar`, `varbinary`, `text`...) from its protocol code and character set. */
export function mysqlTypeName(columnType: number | undefined, characterSet: number | undefined): string {
  const name = NAMES[columnType ?? -1] ?? `type:${columnType}`;
  const binary = characterSet === BINARY_CHARSET;
  if (name in TEXT_OF_BLOB) return binary ? name : TEXT_OF_BLOB[name]!;
  if (name === 'varchar' && binary) return 'varbinary';
  if (name === 'char' && binary) return 'binary';
  return name;
}
