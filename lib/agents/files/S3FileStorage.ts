import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { FileInfo, PutOptions } from '../../core/agents/FileStorageAgent.js';
import { FileNotFoundError } from './FileNotFoundError.js';
import type { FileCall, FileStore, RandomAccessFile } from './FileStore.js';
import { checkRelativePath } from './relativePath.js';

/** lib-storage part size: S3's minimum (5 MiB); a stream smaller than one part is one PutObject. */
const PART_BYTES = 5 * 1024 * 1024;
/** Parts uploaded at once: at most QUEUE_SIZE × PART_BYTES of the stream are held in memory. */
const QUEUE_SIZE = 4;

/**
 * An S3 bucket (under an optional key prefix) as a {@link FileStore}
 * (`type: s3`). Paths are keys relative to the prefix.
 *
 * - Reads: `GetObject` (a missing key → {@link FileNotFoundError}); `stat` is
 *   `HeadObject` (404 → `undefined`).
 * - Writes: lib-storage `Upload` — one `PutObject` below 5 MiB, a multipart
 *   upload in 5 MiB parts above (aborted on failure or abort, so no parts
 *   are left behind). S3 makes an object visible only once complete: atomic.
 * - `list`: `ListObjectsV2` page by page; not recursive = `Delimiter: '/'`
 *   (common prefixes, the "directories", are not files and are left out, as
 *   are keys ending in `/` and keys that are not valid agent paths).
 * - `move`: `CopyObject` then `DeleteObject` (not atomic; `CopyObject` copies
 *   up to 5 GB).
 *
 * Every request is sent with the task's signal (`abortSignal`).
 */
export class S3FileStorage implements FileStore {
  readonly secrets: readonly string[] = [];
  private readonly keyPrefix: string;

  /**
   * @param prefix  key prefix (`daily` and `daily/` are the same)
   * @param ownsClient  whether {@link close} destroys the client (false for one passed in)
   */
  constructor(
    private readonly connection: string,
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix: string | undefined,
    private readonly ownsClient: boolean,
  ) {
    const trimmed = (prefix ?? '').replace(/\/+$/, '');
    this.keyPrefix = trimmed === '' ? '' : `${trimmed}/`;
  }

  async getStream(path: string, call: FileCall): Promise<{ stream: Readable; size?: number }> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), { abortSignal: call.signal });
      const body = object.Body as Readable | undefined;
      return { stream: body ?? Readable.from([]), ...(object.ContentLength === undefined ? {} : { size: object.ContentLength }) };
    } catch (error) {
      throw this.notFound(error, path, call);
    }
  }

  /** `HeadObject` for the size, then ranged `GetObject`s pinned to that version's ETag (`If-Match`): a file replaced mid-read fails instead of mixing versions. */
  async openRandomAccess(path: string, call: FileCall): Promise<RandomAccessFile> {
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), { abortSignal: call.signal });
    } catch (error) {
      throw this.notFound(error, path, call);
    }
    const size = head.ContentLength ?? 0;
    const etag = head.ETag;
    return {
      size,
      read: async (start, end) => {
        const last = Math.min(end, size) - 1;
        if (last < start) return new Uint8Array(0);
        const object = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path), Range: `bytes=${start}-${last}`, ...(etag === undefined ? {} : { IfMatch: etag }) }),
          { abortSignal: call.signal },
        );
        const bytes = object.Body ? await object.Body.transformToByteArray() : new Uint8Array(0);
        // An S3-compatible server that ignores Range answers 200 with the whole object: take the range from it.
        return object.ContentRange === undefined && bytes.byteLength === size && bytes.byteLength > last - start + 1 ? bytes.subarray(start, last + 1) : bytes;
      },
      close: async () => {},
    };
  }

  async putStream(path: string, data: AsyncIterable<Uint8Array>, options: PutOptions, call: FileCall): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(path), Body: Readable.from(data), ...(options.contentType ? { ContentType: options.contentType } : {}) },
      partSize: PART_BYTES,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => {});
    call.signal.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      call.signal.removeEventListener('abort', abort);
    }
  }

  async list(prefix: string, recursive: boolean, call: FileCall): Promise<FileInfo[]> {
    const listed = this.key(prefix === '' ? '' : `${prefix}/`);
    const files: FileInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: listed, ContinuationToken: token, ...(recursive ? {} : { Delimiter: '/' }) }),
        { abortSignal: call.signal },
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const path = object.Key.slice(this.keyPrefix.length);
        if (path.endsWith('/') || 'refused' in checkRelativePath(path, 'file')) continue;
        files.push({ path, size: object.Size ?? 0, modifiedAt: (object.LastModified ?? new Date(0)).toISOString() });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return files;
  }

  async stat(path: string, call: FileCall): Promise<FileInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), { abortSignal: call.signal });
      return { path, size: head.ContentLength ?? 0, modifiedAt: (head.LastModified ?? new Date(0)).toISOString() };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(path: string, call: FileCall): Promise<void> {
    // S3 answers 204 for a key that is not there: nothing to special-case.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), { abortSignal: call.signal });
  }

  async move(from: string, to: string, call: FileCall): Promise<void> {
    const source = `${this.bucket}/${this.key(from).split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.key(to), CopySource: source }), { abortSignal: call.signal });
    } catch (error) {
      throw this.notFound(error, from, call);
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(from) }), { abortSignal: call.signal });
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private key(path: string): string {
    return this.keyPrefix + path;
  }

  private notFound(error: unknown, path: string, call: FileCall): unknown {
    return isNotFound(error) ? new FileNotFoundError(this.connection, call.operation, path) : error;
  }
}

/** `NoSuchKey` (GetObject, CopyObject) or a bare 404 (HeadObject has no body to name the error). */
function isNotFound(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (failure?.name === 'NoSuchBucket') return false;
  return failure?.name === 'NoSuchKey' || failure?.name === 'NotFound' || failure?.$metadata?.httpStatusCode === 404;
}
