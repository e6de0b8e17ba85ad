import type { Payload } from './Payload.js';
import { MAX_KEPT_PAYLOAD_BYTES } from './TaskRecord.js';

/**
 * The payload a record keeps for replay, or `undefined`: never an HTTP
 * request's (its headers may carry credentials; a synchronous caller already
 * had its answer), nor one whose JSON is over {@link MAX_KEPT_PAYLOAD_BYTES}
 * (a record must stay storable: 396 KiB with its result and logs).
 */
export function keptPayload(payload: Payload): Payload | undefined {
  if (payload.type === 'http') return undefined;
  const json = JSON.stringify(payload);
  // UTF-8 has at least as many bytes as UTF-16 units: a long string is over without counting.
  if (json.length > MAX_KEPT_PAYLOAD_BYTES || Buffer.byteLength(json) > MAX_KEPT_PAYLOAD_BYTES) return undefined;
  return payload;
}
