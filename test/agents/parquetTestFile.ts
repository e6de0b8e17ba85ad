import { gzipSync } from 'node:zlib';

/**
 * A minimal Parquet writer for tests (no Parquet writer is a dependency):
 * required INT32, INT64, DOUBLE and UTF-8 BYTE_ARRAY columns, PLAIN encoding,
 * no compression or Gzip, one data page per column chunk, several row groups — the
 * layout of the Parquet format spec (parquet-format: `PAR1`, column chunks,
 * Thrift compact `FileMetaData`, its length, `PAR1`).
 */

export type ParquetTestColumn = { name: string; type: 'int32' | 'int64' | 'double' | 'utf8' };

const PHYSICAL = { int32: 1, int64: 2, double: 5, utf8: 6 } as const;
const MAGIC = Buffer.from('PAR1');

/** The bytes of a Parquet file of `rows`, `rowsPerGroup` rows per row group, pages gzipped on request. */
export function parquetTestFile(columns: ParquetTestColumn[], rows: Array<Record<string, number | bigint | string>>, rowsPerGroup: number, codec: 'UNCOMPRESSED' | 'GZIP' = 'UNCOMPRESSED'): Buffer {
  const parts: Buffer[] = [MAGIC];
  let offset = MAGIC.length;
  const rowGroups: Buffer[] = [];
  for (let start = 0; start < rows.length; start += rowsPerGroup) {
    const groupRows = rows.slice(start, start + rowsPerGroup);
    const chunks: Buffer[] = [];
    let groupBytes = 0;
    for (const column of columns) {
      const values = plain(column, groupRows.map((row) => row[column.name]!));
      const stored = codec === 'GZIP' ? gzipSync(values) : values;
      const header = struct([
        [1, i32(0)], // DATA_PAGE
        [2, i32(values.length)],
        [3, i32(stored.length)],
        [5, struct([[1, i32(groupRows.length)], [2, i32(0)], [3, i32(3)], [4, i32(3)]])], // PLAIN values, RLE levels (none: required)
      ]);
      const page = Buffer.concat([header.bytes, stored]);
      parts.push(page);
      chunks.push(
        struct([
          [2, i64(offset)],
          [
            3,
            struct([
              [1, i32(PHYSICAL[column.type])],
              [2, list(5, [zigzag(0)])],
              [3, list(8, [binary(column.name).bytes])],
              [4, i32(codec === 'GZIP' ? 2 : 0)],
              [5, i64(groupRows.length)],
              [6, i64(page.length - stored.length + values.length)],
              [7, i64(page.length)],
              [9, i64(offset)],
            ]),
          ],
        ]).bytes,
      );
      offset += page.length;
      groupBytes += page.length;
    }
    rowGroups.push(struct([[1, list(12, chunks)], [2, i64(groupBytes)], [3, i64(groupRows.length)]]).bytes);
  }
  const schema = [
    struct([[4, binary('schema')], [5, i32(columns.length)]]).bytes,
    ...columns.map((column) => struct([[1, i32(PHYSICAL[column.type])], [3, i32(0)], [4, binary(column.name)], ...(column.type === 'utf8' ? ([[6, i32(0)]] as Field[]) : [])]).bytes), // REQUIRED; UTF8
  ];
  const metadata = struct([[1, i32(1)], [2, list(12, schema)], [3, i64(rows.length)], [4, list(12, rowGroups)]]).bytes;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(metadata.length);
  return Buffer.concat([...parts, metadata, length, MAGIC]);
}

function plain(column: ParquetTestColumn, values: Array<number | bigint | string>): Buffer {
  switch (column.type) {
    case 'int32':
      return Buffer.concat(values.map((value) => fixed(4, (buffer) => buffer.writeInt32LE(Number(value)))));
    case 'int64':
      return Buffer.concat(values.map((value) => fixed(8, (buffer) => buffer.writeBigInt64LE(BigInt(value)))));
    case 'double':
      return Buffer.concat(values.map((value) => fixed(8, (buffer) => buffer.writeDoubleLE(Number(value)))));
    case 'utf8':
      return Buffer.concat(values.map((value) => {
        const bytes = Buffer.from(String(value));
        return Buffer.concat([fixed(4, (buffer) => buffer.writeUInt32LE(bytes.length)), bytes]);
      }));
  }
}

function fixed(size: number, write: (buffer: Buffer) => void): Buffer {
  const buffer = Buffer.alloc(size);
  write(buffer);
  return buffer;
}

// Thrift compact protocol: a value carries its type id (i32 5, i64 6, binary 8, list 9, struct 12).
type Value = { type: number; bytes: Buffer };
type Field = [id: number, value: Value];

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0n);
  return Buffer.from(bytes);
}

function zigzag(value: number | bigint): Buffer {
  const big = BigInt(value);
  return varint(big >= 0n ? big << 1n : (-big << 1n) - 1n);
}

const i32 = (value: number): Value => ({ type: 5, bytes: zigzag(value) });
const i64 = (value: number | bigint): Value => ({ type: 6, bytes: zigzag(value) });
const binary = (text: string): Value => {
  const bytes = Buffer.from(text);
  return { type: 8, bytes: Buffer.concat([varint(BigInt(bytes.length)), bytes]) };
};

function list(elementType: number, elements: Buffer[]): Value {
  const header = elements.length < 15 ? Buffer.from([(elements.length << 4) | elementType]) : Buffer.concat([Buffer.from([0xf0 | elementType]), varint(BigInt(elements.length))]);
  return { type: 9, bytes: Buffer.concat([header, ...elements]) };
}

function struct(fields: Field[]): Value {
  const parts: Buffer[] = [];
  let last = 0;
  for (const [id, value] of fields) {
    const delta = id - last;
    parts.push(delta > 0 && delta <= 15 ? Buffer.from([(delta << 4) | value.type]) : Buffer.concat([Buffer.from([value.type]), zigzag(id)]));
    parts.push(value.bytes);
    last = id;
  }
  parts.push(Buffer.from([0]));
  return { type: 12, bytes: Buffer.concat(parts) };
}
