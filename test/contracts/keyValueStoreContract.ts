import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore, KeyValueStoreOptions, KvEntry } from '../../lib/core/agents/KeyValueStore.js';
import { KvNotANumberError, KvRefusedError, KvValueTooLargeError } from '../../lib/core/agents/kvErrors.js';
import { KV_LIMITS } from '../../lib/core/agents/kvRules.js';
import { isNonRetriableError } from '../../lib/core/errors.js';
import type { Clock } from '../../lib/core/ports/Clock.js';
import { ManualClock } from '../../lib/testing/ManualClock.js';

export interface KeyValueStoreFixture {
  /**
   * A store on the suite's one backing store (an SQLite file, a DynamoDB
   * table): stores opened here share entries, as the worker threads or
   * Lambda containers of one service do.
   */
  open(options: KeyValueStoreOptions & { clock: Clock }): KeyValueStore;
  cleanup(): Promise<void>;
}

const MAX_TTL = 86_400;

let seq = 0;
/** A key prefix of its own per test: the backing store is shared by the whole suite. */
const fresh = (label: string) => `${label}-${process.pid}-${(seq++).toString(36)}/`;

/** Keys in UTF-8 byte order, the order every store lists in. */
const byteOrder = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

async function refusal(promise: Promise<unknown>): Promise<KvRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KvRefusedError);
  expect(isNonRetriableError(error)).toBe(true);
  return error as KvRefusedError;
}

async function listAll(store: KeyValueStore, prefix: string, limit: number): Promise<{ pages: KvEntry[][]; keys: string[] }> {
  const pages: KvEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { limit, cursor });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 1000);
  return { pages, keys: pages.flat().map((e) => e.key) };
}

/**
 * What every {@link KeyValueStore} must do (`ctx.kv` on both runtimes), on a
 * {@link ManualClock} so that TTLs are exact. Run by the SQLite and the
 * DynamoDB store alike.
 */
export function describeKeyValueStoreContract(name: string, createFixture: () => Promise<KeyValueStoreFixture>): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let fx: KeyValueStoreFixture;
    let clock: ManualClock;
    let kv: KeyValueStore;
    beforeAll(async () => {
      fx = await createFixture();
      // Now, not a fixed date: DynamoDB Local's own TTL sweep (on real time) must not delete what a test still reads.
      clock = new ManualClock(Date.now());
      kv = fx.open({ clock, maxTtlSeconds: MAX_TTL });
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    describe('get, set, delete', () => {
      it('round-trips JSON values and records updatedAt (the clock) and the writing task', async () => {
        const p = fresh('roundtrip');
        const values: unknown[] = [
          { orders: [{ id: 1, total: 9.99, tags: ['a', 'b'] }], nested: { deep: { ok: true, none: null } } },
          [1, 'two', { three: 3 }, [], {}],
          'naïve — 東京 😀 "quoted" \\ back',
          '',
          0,
          -42,
          3.25,
          1e21,
          true,
          false,
          null,
          {},
        ];
        for (const [i, value] of values.entries()) await kv.set(`${p}${i}`, value, { taskId: `task-${i}` });
        for (const [i, value] of values.entries()) {
          expect(await kv.get(`${p}${i}`)).toEqual({ key: `${p}${i}`, value, updatedAt: new Date(clock.now()).toISOString(), taskId: `task-${i}` });
        }
        // A Date is stored as its JSON (an ISO string), as JSON.stringify would.
        await kv.set(`${p}date`, { at: new Date(0) });
        expect((await kv.get(`${p}date`))?.value).toEqual({ at: '1970-01-01T00:00:00.000Z' });
      });

      it('get of a missing key is undefined; an entry without a writer or TTL has neither taskId nor expiresAt', async () => {
        const p = fresh('missing');
        expect(await kv.get(`${p}nothing`)).toBeUndefined();
        await kv.set(`${p}plain`, 1);
        const entry = await kv.get(`${p}plain`);
        expect(entry).toEqual({ key: `${p}plain`, value: 1, updatedAt: new Date(clock.now()).toISOString() });
        expect(entry).not.toHaveProperty('taskId');
        expect(entry).not.toHaveProperty('expiresAt');
      });

      it('set overwrites value, updatedAt, taskId and expiry', async () => {
        const key = `${fresh('overwrite')}k`;
        await kv.set(key, { v: 1 }, { taskId: 'first', ttlSeconds: 60 });
        const firstAt = clock.now();
        await clock.advance(5_000);
        await kv.set(key, { v: 2 }, { taskId: 'second' });
        expect(await kv.get(key)).toEqual({ key, value: { v: 2 }, updatedAt: new Date(firstAt + 5_000).toISOString(), taskId: 'second' });
        // A write without a task id leaves none behind.
        await kv.set(key, 'three');
        expect(await kv.get(key)).toEqual({ key, value: 'three', updatedAt: new Date(clock.now()).toISOString() });
      });

      it('delete says whether there was an entry; the key is gone afterwards', async () => {
        const key = `${fresh('delete')}k`;
        await kv.set(key, 'x');
        expect(await kv.delete(key)).toBe(true);
        expect(await kv.get(key)).toBeUndefined();
        expect(await kv.delete(key)).toBe(false);
      });
    });

    describe('TTL, strict on read (ManualClock)', () => {
      it('an entry lives until its expiresAt and not one millisecond longer, for get and list alike', async () => {
        const p = fresh('ttl');
        await kv.set(`${p}short`, 'short', { ttlSeconds: 60 });
        await kv.set(`${p}long`, 'long', { ttlSeconds: 3600 });
        await kv.set(`${p}forever`, 'forever');
        const expiresAt = new Date(clock.now() + 60_000).toISOString();
        expect((await kv.get(`${p}short`))?.expiresAt).toBe(expiresAt);
        await clock.advance(59_999);
        expect((await kv.get(`${p}short`))?.value).toBe('short');
        expect((await kv.list(p)).items.map((e) => e.key)).toEqual([`${p}forever`, `${p}long`, `${p}short`]);
        await clock.advance(1);
        expect(await kv.get(`${p}short`)).toBeUndefined();
        expect((await kv.list(p)).items.map((e) => e.key)).toEqual([`${p}forever`, `${p}long`]);
        // An expired entry counts as absent for delete too.
        expect(await kv.delete(`${p}short`)).toBe(false);
      });

      it("applies the store's default TTL to a write that names none, and accepts exactly the maximum", async () => {
        const p = fresh('default-ttl');
        const withDefault = fx.open({ clock, defaultTtlSeconds: 30, maxTtlSeconds: 120 });
        await withDefault.set(`${p}a`, 1);
        await withDefault.set(`${p}b`, 1, { ttlSeconds: 120 });
        expect((await withDefault.get(`${p}a`))?.expiresAt).toBe(new Date(clock.now() + 30_000).toISOString());
        expect((await withDefault.get(`${p}b`))?.expiresAt).toBe(new Date(clock.now() + 120_000).toISOString());
        expect((await refusal(withDefault.set(`${p}c`, 1, { ttlSeconds: 121 }))).reason).toBe('ttl');
        await clock.advance(30_000);
        expect(await withDefault.get(`${p}a`)).toBeUndefined();
        expect(await withDefault.get(`${p}b`)).toBeDefined();
      });

      it('setIfAbsent wins over an expired entry (a lease that ran out), with its own value, writer and expiry', async () => {
        const key = `${fresh('lease')}lock`;
        expect(await kv.setIfAbsent(key, { owner: 'a' }, { ttlSeconds: 10, taskId: 'task-a' })).toBe(true);
        expect(await kv.setIfAbsent(key, { owner: 'b' }, { ttlSeconds: 10, taskId: 'task-b' })).toBe(false);
        expect(await kv.get(key)).toMatchObject({ value: { owner: 'a' }, taskId: 'task-a' });
        await clock.advance(10_000);
        expect(await kv.setIfAbsent(key, { owner: 'b' }, { ttlSeconds: 10, taskId: 'task-b' })).toBe(true);
        expect(await kv.get(key)).toEqual({
          key,
          value: { owner: 'b' },
          taskId: 'task-b',
          updatedAt: new Date(clock.now()).toISOString(),
          expiresAt: new Date(clock.now() + 10_000).toISOString(),
        });
      });

      it('an expired counter restarts at `by` with a new expiry; a live one keeps its expiry', async () => {
        const key = `${fresh('window')}calls`;
        const createdAt = clock.now();
        expect(await kv.increment(key, 1, { ttlSeconds: 60 })).toBe(1);
        await clock.advance(30_000);
        // A TTL on an existing counter does not move its window's end.
        expect(await kv.increment(key, 1, { ttlSeconds: 60 })).toBe(2);
        expect((await kv.get(key))?.expiresAt).toBe(new Date(createdAt + 60_000).toISOString());
        await clock.advance(30_000);
        expect(await kv.get(key)).toBeUndefined();
        expect(await kv.increment(key, 5, { ttlSeconds: 60, taskId: 't2' })).toBe(5);
        expect(await kv.get(key)).toEqual({ key, value: 5, taskId: 't2', updatedAt: new Date(clock.now()).toISOString(), expiresAt: new Date(clock.now() + 60_000).toISOString() });
        // An expired non-number is absent too: the counter starts over rather than failing.
        await kv.set(`${key}-text`, 'text', { ttlSeconds: 1 });
        await clock.advance(1_000);
        expect(await kv.increment(`${key}-text`)).toBe(1);
      });
    });

    describe('increment', () => {
      it('starts a missing key at 0, adds positive and negative steps, records the writer, and adds to a number set by set()', async () => {
        const p = fresh('incr');
        expect(await kv.increment(`${p}n`)).toBe(1);
        expect(await kv.increment(`${p}n`, 10, { taskId: 'adder' })).toBe(11);
        expect(await kv.increment(`${p}n`, -20, { taskId: 'subtracter' })).toBe(-9);
        expect(await kv.get(`${p}n`)).toEqual({ key: `${p}n`, value: -9, taskId: 'subtracter', updatedAt: new Date(clock.now()).toISOString() });
        await kv.set(`${p}f`, 1.5, { taskId: 'setter' });
        expect(await kv.increment(`${p}f`)).toBe(2.5);
        // Each write records its writer: one without a task id leaves none.
        expect(await kv.get(`${p}f`)).not.toHaveProperty('taskId');
      });

      it('refuses to increment a string, an object or null, naming the key, and leaves it unchanged', async () => {
        const p = fresh('nan');
        for (const [label, value] of [
          ['string', '41'],
          ['object', { n: 1 }],
          ['null', null],
          ['array', [1]],
        ] as const) {
          await kv.set(`${p}${label}`, value);
          const error = await refusal(kv.increment(`${p}${label}`));
          expect(error).toBeInstanceOf(KvNotANumberError);
          expect(error.message).toContain(`${p}${label}`);
          expect(error.message).toContain(`is not a number (${label})`);
          expect((await kv.get(`${p}${label}`))?.value).toEqual(value);
        }
      });

      it('50 parallel increments from two store instances: every result distinct, the total 50', async () => {
        const key = `${fresh('race')}counter`;
        const stores = [kv, fx.open({ clock, maxTtlSeconds: MAX_TTL })];
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 2]!.increment(key, 1, { ttlSeconds: 600 })));
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect((await kv.get(key))?.value).toBe(50);
      });

      it('refuses a step that is not a safe integer', async () => {
        const key = `${fresh('by')}k`;
        for (const by of [1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '1' as unknown as number]) {
          expect((await refusal(kv.increment(key, by))).reason).toBe('by');
        }
        expect(await kv.get(key)).toBeUndefined();
      });
    });

    describe('setIfAbsent', () => {
      it('20 parallel callers from two store instances: exactly one wins, and its value is the one stored', async () => {
        const key = `${fresh('lease-race')}lock`;
        const stores = [kv, fx.open({ clock, maxTtlSeconds: MAX_TTL })];
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.setIfAbsent(key, { owner: i }, { ttlSeconds: 30, taskId: `t${i}` })));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await kv.get(key)).toMatchObject({ value: { owner: winner }, taskId: `t${winner}` });
      });

      it('does not replace a live entry without a TTL, and works again once the key is deleted', async () => {
        const key = `${fresh('absent')}k`;
        await kv.set(key, 'kept');
        expect(await kv.setIfAbsent(key, 'new')).toBe(false);
        expect((await kv.get(key))?.value).toBe('kept');
        await kv.delete(key);
        expect(await kv.setIfAbsent(key, 'new')).toBe(true);
        expect((await kv.get(key))?.value).toBe('new');
      });
    });

    describe('list', () => {
      it('pages through a prefix in key order with limit and cursor; nothing outside the prefix; no trailing empty page', async () => {
        const p = fresh('list');
        const keys = Array.from({ length: 25 }, (_, i) => `${p}item-${String(i).padStart(2, '0')}`);
        await Promise.all([...keys].reverse().map((key, i) => kv.set(key, { i }, { taskId: 'lister' })));
        // Neighbours that share the prefix's characters but not the prefix.
        const outside = [`${p.slice(0, -1)}`, `${p.slice(0, -1)}0`, `${p.slice(0, -1)}.x`];
        await Promise.all(outside.map((key) => kv.set(key, 'outside')));

        const { pages, keys: listed } = await listAll(kv, p, 10);
        expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
        expect(listed).toEqual(keys);
        expect(pages[0]![0]).toMatchObject({ key: keys[0], taskId: 'lister', updatedAt: new Date(clock.now()).toISOString() });

        // Exactly two full pages: the second says it is the last.
        const twenty = await listAll(kv, `${p}item-0`, 5);
        expect(twenty.pages.map((page) => page.length)).toEqual([5, 5]);
        const first = await kv.list(`${p}item-1`, { limit: 10 });
        expect(first.items).toHaveLength(10);
        expect(first.nextCursor).toBeUndefined();
        // The default page is the maximum.
        expect((await kv.list(p)).items).toHaveLength(25);
      });

      it('continues after the cursor even when the entry at the cursor was deleted meanwhile', async () => {
        const p = fresh('list-delete');
        const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => `${p}${k}`);
        for (const key of keys) await kv.set(key, 1);
        const page1 = await kv.list(p, { limit: 2 });
        expect(page1.items.map((e) => e.key)).toEqual(keys.slice(0, 2));
        await kv.delete(keys[1]!);
        await kv.set(`${p}bb`, 1);
        const page2 = await kv.list(p, { limit: 10, cursor: page1.nextCursor });
        expect(page2.items.map((e) => e.key)).toEqual([`${p}bb`, ...keys.slice(2)]);
      });

      it('treats %, _, \\ and unicode in a prefix as plain characters, in UTF-8 byte order', async () => {
        const base = fresh('special');
        const inside = [
          `${base}50%_off/a`,
          `${base}50%_off/b_c`,
          `${base}50%_off/😀`,
          `${base}50%_off/日本`,
          `${base}50%_off/\uffff`,
          `${base}50%_off/\u{10FFFF}x`,
          `${base}50%_off/é`,
        ];
        // What a LIKE '50%_off/%' would also match, and the prefix's neighbours.
        const outside = [`${base}50%xoff/a`, `${base}50abcoff/a`, `${base}50%_off`, `${base}50%_off0`, `${base}50\\%_off/a`];
        for (const key of [...inside, ...outside]) await kv.set(key, key);
        expect((await listAll(kv, `${base}50%_off/`, 3)).keys).toEqual(byteOrder(inside));
        // A prefix ending in a multi-byte character, and in the last code point.
        const uni = fresh('uni');
        const uniKeys = [`${uni}é`, `${uni}é/1`, `${uni}é\u{10FFFF}`, `${uni}ê`, `${uni}e`, `${uni}\u{10FFFF}`, `${uni}\u{10FFFF}\u{10FFFF}z`];
        for (const key of uniKeys) await kv.set(key, 1);
        expect((await kv.list(`${uni}é`)).items.map((e) => e.key)).toEqual(byteOrder([`${uni}é`, `${uni}é/1`, `${uni}é\u{10FFFF}`]));
        expect((await kv.list(`${uni}\u{10FFFF}`)).items.map((e) => e.key)).toEqual([`${uni}\u{10FFFF}`, `${uni}\u{10FFFF}\u{10FFFF}z`]);
        expect((await listAll(kv, uni, 2)).keys).toEqual(byteOrder(uniKeys));
      });

      it('skips expired entries, also across page boundaries', async () => {
        const p = fresh('list-ttl');
        for (let i = 0; i < 12; i++) await kv.set(`${p}${String(i).padStart(2, '0')}`, i, i % 3 === 0 ? {} : { ttlSeconds: 5 });
        await clock.advance(5_000);
        const { keys } = await listAll(kv, p, 2);
        expect(keys).toEqual([`${p}00`, `${p}03`, `${p}06`, `${p}09`]);
      });

      it("lists every key under the empty prefix, in byte order, without repeats", async () => {
        const p = fresh('everything');
        await kv.set(`${p}a`, 1);
        await kv.set(`${p}b`, 1);
        const { keys } = await listAll(kv, '', 100);
        expect(keys).toEqual(byteOrder(keys));
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toEqual(expect.arrayContaining([`${p}a`, `${p}b`]));
      });

      it('refuses a bad limit, a malformed cursor and a cursor from another prefix', async () => {
        const p = fresh('list-bad');
        await kv.set(`${p}a`, 1);
        await kv.set(`${p}b`, 1);
        for (const limit of [0, 101, 1.5]) expect((await refusal(kv.list(p, { limit }))).reason).toBe('limit');
        expect((await refusal(kv.list(p, { cursor: 'not-a-cursor' }))).reason).toBe('cursor');
        const { nextCursor } = await kv.list(p, { limit: 1 });
        expect(nextCursor).toBeDefined();
        expect((await refusal(kv.list(fresh('other'), { cursor: nextCursor }))).reason).toBe('cursor');
        expect((await kv.list(p, { cursor: nextCursor })).items.map((e) => e.key)).toEqual([`${p}b`]);
      });
    });

    describe('limits and validation (refused before anything is written)', () => {
      it(`stores a value of exactly ${KV_LIMITS.maxValueBytes} bytes of JSON and refuses one byte more, saying the size`, async () => {
        const p = fresh('size');
        const atLimit = 'a'.repeat(KV_LIMITS.maxValueBytes - 2); // plus two quotes
        await kv.set(`${p}max`, atLimit);
        expect((await kv.get(`${p}max`))?.value).toBe(atLimit);
        const error = await refusal(kv.set(`${p}over`, `${atLimit}é`));
        expect(error).toBeInstanceOf(KvValueTooLargeError);
        expect(error).toMatchObject({ size: KV_LIMITS.maxValueBytes + 2, limit: KV_LIMITS.maxValueBytes, reason: 'valueTooLarge' });
        expect(error.message).toContain(`${KV_LIMITS.maxValueBytes + 2} bytes`);
        expect((await refusal(kv.setIfAbsent(`${p}over`, `${atLimit}é`)))).toBeInstanceOf(KvValueTooLargeError);
        expect(await kv.get(`${p}over`)).toBeUndefined();
      });

      it('refuses what JSON cannot carry unchanged: undefined (even nested), functions, symbols, BigInt, NaN, Infinity, Map, cycles', async () => {
        const p = fresh('json');
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        const bad: Array<[string, unknown]> = [
          ['undefined', undefined],
          ['nested undefined', { a: { b: undefined } }],
          ['undefined in an array', [1, undefined]],
          ['function', () => 1],
          ['symbol', Symbol('s')],
          ['bigint', 10n],
          ['nested bigint', { n: [1n] }],
          ['NaN', Number.NaN],
          ['Infinity', { x: Number.POSITIVE_INFINITY }],
          ['Map', new Map([[1, 2]])],
          ['cycle', cyclic],
        ];
        for (const [label, value] of bad) {
          const error = await refusal(kv.set(`${p}${label}`, value));
          expect(error.reason, label).toBe('value');
          expect(error.message).toContain(`${p}${label}`);
          expect(await kv.get(`${p}${label}`)).toBeUndefined();
        }
        expect((await refusal(kv.set(`${p}b`, { a: { b: 10n } }))).message).toMatch(/BigInt \(store it as a string\) at \.a\.b$/);
        expect((await refusal(kv.set(`${p}b`, { rows: [{ ok: 1 }, { ok: undefined }] }))).message).toMatch(/undefined at \.rows\[1\]\.ok$/);
        expect((await refusal(kv.set(`${p}b`, [0, [1, () => 2]]))).message).toMatch(/a function at \[1\]\[1\]$/);
      });

      it('accepts keys of 1 to 1024 UTF-8 bytes and refuses empty, longer, NUL and lone surrogates', async () => {
        const p = fresh('keys');
        const max = p + 'é'.repeat((KV_LIMITS.maxKeyBytes - Buffer.byteLength(p)) >> 1) + (Buffer.byteLength(p) % 2 === 0 ? '' : 'x');
        expect(Buffer.byteLength(max)).toBe(KV_LIMITS.maxKeyBytes);
        await kv.set(max, 'max');
        expect((await kv.get(max))?.value).toBe('max');
        expect((await kv.list(p)).items.map((e) => e.key)).toEqual([max]);
        await kv.set('k', 'one byte');
        expect((await kv.get('k'))?.value).toBe('one byte');
        await kv.delete('k');
        for (const key of ['', `${max}x`, `${p}a\0b`, `${p}\ud800`, 42 as unknown as string]) {
          expect((await refusal(kv.set(key, 1))).reason).toBe('key');
          expect((await refusal(kv.get(key))).reason).toBe('key');
        }
        const long = await refusal(kv.set(`${max}é`, 1));
        expect(long.message).toContain(`${KV_LIMITS.maxKeyBytes + 2} bytes`);
        expect((await refusal(kv.list(`${p}\0`))).reason).toBe('key');
      });

      it('refuses a TTL of zero, below zero, fractional or above the maximum, and an empty or non-string taskId, on every write', async () => {
        const key = `${fresh('ttl-bad')}k`;
        for (const ttlSeconds of [0, -1, 1.5, MAX_TTL + 1, Number.NaN]) {
          expect((await refusal(kv.set(key, 1, { ttlSeconds }))).reason).toBe('ttl');
          expect((await refusal(kv.setIfAbsent(key, 1, { ttlSeconds }))).reason).toBe('ttl');
          expect((await refusal(kv.increment(key, 1, { ttlSeconds }))).reason).toBe('ttl');
        }
        expect(await kv.get(key)).toBeUndefined();
        for (const taskId of ['', 42 as unknown as string]) {
          expect((await refusal(kv.set(key, 1, { taskId }))).reason).toBe('taskId');
          expect((await refusal(kv.increment(key, 1, { taskId }))).reason).toBe('taskId');
        }
        await kv.set(key, 1, { ttlSeconds: MAX_TTL });
        expect((await kv.get(key))?.expiresAt).toBe(new Date(clock.now() + MAX_TTL * 1000).toISOString());
      });
    });
  });
}
