import { createHash } from 'node:crypto';
import { taskIdTimeMs } from '../task/taskIds.js';

/**
 * The OpenLineage run id of a task: a UUID version 7 (RFC 9562 §5.7,
 * https://www.rfc-editor.org/rfc/rfc9562#section-5.7), which OpenLineage
 * recommends for run ids (https://openlineage.io/docs/spec/naming#run-naming)
 * because it sorts by time.
 *
 * - `unix_ts_ms` (48 bits): the creation time written in the task id's first
 *   6 bytes (`taskIdTimeMs`); for an id that carries none (ids derived from an
 *   idempotency key carry 0, or a string that is not a task id),
 *   `fallbackTimeMs` (give the task's `createdAt`), else 0.
 * - the 74 other bits: the first bytes of SHA-256 of the task id, under the
 *   version (`0111`) and variant (`10`) bits.
 *
 * Deterministic: every export and every push of a task names the same run,
 * so a lineage backend merges its START and COMPLETE.
 *
 * @returns lowercase `xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx`
 */
export function runIdOf(taskId: string, fallbackTimeMs?: number): string {
  const fromId = taskIdTimeMs(taskId);
  const timeMs = fromId ? fromId : Number.isFinite(fallbackTimeMs) ? Math.max(0, Math.trunc(fallbackTimeMs!)) : 0;
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.min(timeMs, 0xffff_ffff_ffff), 0, 6);
  createHash('sha256').update(taskId).digest().copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
