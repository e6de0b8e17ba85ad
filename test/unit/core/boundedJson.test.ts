import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds, MAX_JSON_DEPTH, parseBoundedJson, readMaybeJson } from '../../../lib/core/boundedJson.js';
import { MalformedInputError } from '../../../lib/core/errors.js';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import { decodeDelivery, type InboundMessage } from '../../../lib/core/runner/decodeDelivery.js';
import { newTaskId, payloadHash } from '../../../lib/core/task/taskIds.js';

const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const nestedValue = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe('the JSON nesting limit', () => {
  it(`counts arrays and objects, outside strings and escapes, up to ${MAX_JSON_DEPTH}`, () => {
    expect(jsonNestingExceeds(arrays(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(arrays(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonNestingExceeds(objects(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(objects(MAX_JSON_DEPTH + 1))).toBe(true);
    // Siblings do not add up; brackets inside strings (escaped quotes included) do not count.
    expect(jsonNestingExceeds(`[${Array(200).fill(arrays(10)).join(',')}]`)).toBe(false);
    expect(jsonNestingExceeds(JSON.stringify({ s: '['.repeat(500), t: '\\"' + '{'.repeat(500) }))).toBe(false);
    expect(jsonNestingExceeds(`["\\"", ${arrays(MAX_JSON_DEPTH)}]`)).toBe(true);
  });

  it('parses within the limit and refuses beyond it, at depth 100,000 too, with a MalformedInputError', () => {
    expect(parseBoundedJson(arrays(3), 'body')).toEqual([[[]]]);
    for (const text of [arrays(100_000), objects(100_000), arrays(MAX_JSON_DEPTH + 1)]) {
      expect(() => parseBoundedJson(text, 'request body')).toThrow(MalformedInputError);
      expect(() => parseBoundedJson(text, 'request body')).toThrow(/request body nests arrays or objects deeper than 64 levels/);
    }
    expect(() => parseBoundedJson('{"a":', 'request body')).toThrow(/not valid JSON/);
  });

  it('tells JSON, text and too-deep JSON apart, without parsing what opens too deep', () => {
    expect(readMaybeJson('{"a":1}')).toEqual({ kind: 'json', value: { a: 1 } });
    expect(readMaybeJson('a,b,c')).toEqual({ kind: 'text' });
    expect(readMaybeJson('"a string"')).toEqual({ kind: 'json', value: 'a string' });
    expect(readMaybeJson('x' + '['.repeat(100_000))).toEqual({ kind: 'text' });
    expect(readMaybeJson(' \n' + '['.repeat(100_000))).toEqual({ kind: 'too-deep' });
    expect(readMaybeJson(arrays(100_000))).toEqual({ kind: 'too-deep' });
    expect(readMaybeJson(objects(100_000))).toEqual({ kind: 'too-deep' });
  });

  it('bounds payload hashing: deep values are refused, not a stack overflow', () => {
    expect(() => payloadHash(nestedValue(100_000))).toThrow(MalformedInputError);
    expect(payloadHash(nestedValue(MAX_JSON_DEPTH))).toMatch(/^[\w-]{43}$/);
  });
});

describe('numbers that overflow to Infinity', () => {
  const refusal = (text: string) => {
    try {
      parseBoundedJson(text, 'request body');
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedInputError);
      return (error as Error).message;
    }
    return undefined;
  };

  it('refuses them with a MalformedInputError naming the place, whatever the spelling', () => {
    expect(refusal('{"process":"x","payload":1e999}')).toMatch(/^request body: the number at payload is too large/);
    expect(refusal('{"a":{"b":[1,2,-1E+400]}}')).toMatch(/the number at a\.b\.2 /);
    expect(refusal('1e309')).toMatch(/the number at \(root\) /);
    expect(refusal('{"n":0.5e00000000000000000309}')).toMatch(/at n /);
    expect(refusal(`{"n":${'9'.repeat(309)}}`)).toMatch(/at n /);
    expect(refusal(`[${'1'.repeat(400)}.5e-10, 1]`)).toMatch(/at 0 /);
  });

  it('accepts every finite number, and look-alikes in strings and keys', () => {
    for (const text of ['1.7976931348623157e308', '-1e308', '1e-999', `${'9'.repeat(308)}`, `0.${'0'.repeat(400)}1`, `${'1'.repeat(400)}e-300`, '{"1e999":"1e999","s":"' + '7'.repeat(500) + '"}']) {
      expect(refusal(text), text.slice(0, 30)).toBeUndefined();
      expect(parseBoundedJson(text, 'body')).toEqual(JSON.parse(text));
    }
  });
});

describe('decodeDelivery and deep queue message bodies', () => {
  const message = (body: string, attributes: Record<string, string> = {}): InboundMessage => ({
    queue: 'q',
    messageId: 'm-1',
    body,
    attributes,
    receiveCount: 1,
    sentAt: '2026-11-29T10:00:00.000Z',
  });

  it('dead-letters a raw message whose JSON body nests too deep (depth 100,000 arrays and objects)', () => {
    for (const body of [arrays(100_000), objects(100_000), arrays(MAX_JSON_DEPTH + 1)]) {
      const delivery = decodeDelivery('p', message(body), 5);
      expect(delivery.poison).toMatch(/deeper than 64 levels/);
      expect(delivery.payload).toMatchObject({ type: 'queue', body });
    }
  });

  it('delivers JSON within the limit parsed, and text as text', () => {
    const within = decodeDelivery('p', message(arrays(MAX_JSON_DEPTH)), 5);
    expect(within.poison).toBeUndefined();
    expect(within.payload).toMatchObject({ body: JSON.parse(arrays(MAX_JSON_DEPTH)) });
    expect(decodeDelivery('p', message('csv,' + '['.repeat(1000)), 5)).toMatchObject({ payload: { body: 'csv,' + '['.repeat(1000) } });
  });

  it('reads a task envelope whose payload is as deep as the limit allows', () => {
    const taskId = newTaskId();
    const payload = JSON.parse(arrays(MAX_JSON_DEPTH));
    const envelope = { taskId, process: 'p', trigger: { type: 'api' }, createdAt: '2026-11-29T10:00:00.000Z', payload: { type: 'api', body: payload } };
    const delivery = decodeDelivery('p', message(JSON.stringify(envelope), { [TASK_ID_ATTRIBUTE]: taskId }), 5);
    expect(delivery.poison).toBeUndefined();
    expect(delivery.payload).toEqual({ type: 'api', body: payload });
  });
});
