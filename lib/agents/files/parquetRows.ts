import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type Compressors } from 'hyparquet';
import * as zlib from 'node:zlib';
import type { RandomAccessFile } from './FileStore.js';
import { MalformedRecordsError } from './fileRecords.js';

/** The footer is fetched in one read of this many bytes (hyparquet's default): most files' metadata fits. */
const FOOTER_FETCH_BYTES = 512 * 1024;

/**
 * Decompressors hyparquet lacks (it has Snappy), from node:zlib: Gzip,
 * Brotli, and Zstandard where Node has it (22.15 and later).
 */
const compressors: Compressors = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...zstd(),
};

function zstd(): Compressors {
  const decompress = (zlib as unknown as { zstdDecompressSync?: (input: Uint8Array) => Uint8Array }).zstdDecompressSync;
  return decompress ? { ZSTD: (input) => decompress(input) } : {};
}

/**
 * The rows of a Parquet file as objects (hyparquet's `parquetReadObjects`),
 * in one array per row group (empty groups skipped): only one row group's
 * column chunks and rows are in memory.
 * A file that is not Parquet, or uses a codec not available here, throws
 * {@link MalformedRecordsError}.
 */
export async function* parquetRows<T>(file: RandomAccessFile, signal: AbortSignal): AsyncGenerator<T[]> {
  const buffer: AsyncBuffer = {
    byteLength: file.size,
    async slice(start, end) {
      signal.throwIfAborted();
      const bytes = await file.read(start, end ?? file.size);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer, { initialFetchSize: FOOTER_FETCH_BYTES });
  } catch (error) {
    throw malformed(error);
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
    } catch (error) {
      throw malformed(error);
    }
    if (rows.length > 0) yield rows as T[];
    rowStart = rowEnd;
  }
}

function malformed(error: unknown): unknown {
  // hyparquet's own errors start "parquet ..." (bad magic, unsupported codec, corrupt pages); I/O errors keep their class.
  return error instanceof Error && /^parquet /i.test(error.message) ? new MalformedRecordsError(`the file is not readable Parquet: ${error.message}`) : error;
}
