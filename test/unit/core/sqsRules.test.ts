import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '../../../lib/core/errors.js';
import {
  checkOutgoingMessage,
  escapeJsonForSqs,
  firstForbiddenCharacter,
  parseDelaySeconds,
  sqsMessageBytes,
} from '../../../lib/core/queue/sqsRules.js';
import { parseTaskEnvelope, taskMessageOf } from '../../../lib/core/task/taskEnvelopeCodec.js';

describe('SQS message rules', () => {
  it('allows exactly #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF', () => {
    const allowed = [0x9, 0xa, 0xd, 0x20, 0x7f, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x1f600, 0x10ffff];
    for (const cp of allowed) expect(firstForbiddenCharacter(`a${String.fromCodePoint(cp)}`), cp.toString(16)).toBeUndefined();
    const refused = [0x0, 0x1, 0x7, 0x8, 0xb, 0xc, 0xe, 0x1f, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffe, 0xffff];
    for (const cp of refused) expect(firstForbiddenCharacter(`ab${String.fromCharCode(cp)}`), cp.toString(16)).toEqual({ index: 2, codePoint: cp });
  });

  it('names the first offending character by code point and index', () => {
    expect(() => checkOutgoingMessage({ body: '😀ok\u0007' })).toThrow(/U\+0007 at index 4/);
  });

  it('counts the size in UTF-8 bytes of body and attribute names, types and values', () => {
    expect(sqsMessageBytes({ body: 'é', attributes: { ab: 'ü' } })).toBe(2 + 2 + 6 + 2);
    expect(() => checkOutgoingMessage({ body: 'é'.repeat(524_288) })).not.toThrow();
    expect(() => checkOutgoingMessage({ body: `${'é'.repeat(524_288)}x` })).toThrow(PayloadTooLargeError);
  });

  it('parses delaySeconds as decimal digits only', () => {
    expect(parseDelaySeconds(undefined)).toBeUndefined();
    expect(parseDelaySeconds('0')).toBe(0);
    expect(parseDelaySeconds('900')).toBe(900);
    for (const raw of ['', ' 1', '0x10', '1e2', '1.0', '-0', '901', '00901']) expect(() => parseDelaySeconds(raw), raw).toThrow(ValidationError);
  });

  it('escapes what SQS refuses in a JSON text so that it parses back to the same value', () => {
    const value = { s: 'a\uFFFFb\uFFFE\u0000\u0007\uD800\uDFFF😀', ['k\uFFFF']: ['\u0001'] };
    const escaped = escapeJsonForSqs(JSON.stringify(value));
    expect(firstForbiddenCharacter(escaped)).toBeUndefined();
    expect(escaped).toContain('\\uffff');
    expect(escaped).toContain('😀');
    expect(JSON.parse(escaped)).toEqual(value);
  });

  it('encodes a task envelope that SQS accepts and the decoder reads back whole', () => {
    const envelope = { taskId: 't', process: 'p', trigger: { type: 'api' as const }, createdAt: '2026-01-01T00:00:00.000Z', payload: { type: 'api' as const, body: { tag: 'a\uFFFFb' } } };
    const message = taskMessageOf(envelope);
    expect(message.attributes).toEqual({ 'sluice-task-id': 't' });
    expect(parseTaskEnvelope(message.body)).toEqual(envelope);
  });
});
