import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TaskRecordTooLargeError } from '../../../lib/core/errors.js';
import { COMPRESS_TASK_DETAIL_ABOVE_BYTES, encodeTaskRecord, encodeTaskRecordSync, MAX_TASK_RECORD_BYTES } from '../../../lib/core/task/storedRecordSize.js';
import { taskRecordFactory } from '../../helpers/taskRecords.js';

const record = taskRecordFactory({ prefix: 'size' });

describe('encodeTaskRecord: the one measure of a stored record', () => {
  it('keeps a small record uncompressed and counts its UTF-8 bytes, synchronously', () => {
    const r = record({ status: 'succeeded', result: { city: '東京' } });
    const encoded = encodeTaskRecord(r);
    expect(encoded).not.toBeInstanceOf(Promise);
    const { summaryJson, detailJson, detailGz, size } = encoded as Exclude<typeof encoded, Promise<unknown>>;
    expect(detailGz).toBeUndefined();
    expect(JSON.parse(detailJson)).toEqual({ result: { city: '東京' }, logs: [] });
    expect(size).toBe(Buffer.byteLength(summaryJson) + Buffer.byteLength(detailJson));
  });

  it('compresses above 32 KiB; the async (sliced) and sync compressions give the same bytes, across surrogate pairs', async () => {
    const text = Array.from({ length: 60_000 }, (_, i) => `row ${i} 🚀 naïve`).join('|');
    const r = record({ status: 'succeeded', result: { text } });
    const async = await encodeTaskRecord(r);
    const sync = encodeTaskRecordSync(r);
    expect(async.detailGz).toBeDefined();
    expect(Buffer.byteLength(async.detailJson)).toBeGreaterThan(COMPRESS_TASK_DETAIL_ABOVE_BYTES);
    expect(async.detailGz!.equals(sync.detailGz!)).toBe(true);
    expect(gunzipSync(async.detailGz!).toString('utf8')).toBe(async.detailJson);
    expect(async.size).toBe(Buffer.byteLength(async.summaryJson) + async.detailGz!.byteLength);
  });

  it('refuses past the limit, both ways, with the limit in the error', async () => {
    const r = record({ status: 'succeeded', result: 'x'.repeat(10), error: { kind: 'logic', name: 'E', message: 'm'.repeat(MAX_TASK_RECORD_BYTES) } });
    expect(() => encodeTaskRecordSync(r)).toThrow(TaskRecordTooLargeError);
    expect(() => encodeTaskRecord(r)).toThrow(TaskRecordTooLargeError);
    const huge = record({ status: 'succeeded', result: Buffer.alloc(3_000_000, 'ab').toString('base64') + crypto.randomUUID().repeat(20_000) });
    await expect(Promise.resolve().then(() => encodeTaskRecord(huge))).resolves.toBeDefined();
    const incompressible = record({ status: 'succeeded', result: Array.from({ length: 30_000 }, () => crypto.randomUUID()).join('') });
    await expect(encodeTaskRecord(incompressible)).rejects.toMatchObject({ name: 'TaskRecordTooLargeError', limit: MAX_TASK_RECORD_BYTES });
    expect(() => encodeTaskRecordSync(incompressible)).toThrow(TaskRecordTooLargeError);
  });
});
