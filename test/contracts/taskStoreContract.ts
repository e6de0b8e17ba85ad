import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskRecordTooLargeError, ValidationError } from '../../lib/core/errors.js';
import type { TaskStore } from '../../lib/core/ports/TaskStore.js';
import { encodeTaskRecord, MAX_TASK_RECORD_BYTES } from '../../lib/core/task/storedRecordSize.js';
import {
  MAX_LISTED_REPLAYS,
  TASK_STATUSES,
  TRIGGER_TYPES,
  isTerminal,
  type TaskQuery,
  type TaskRecord,
  type TaskStatus,
  type TriggerInfo,
  type TriggerType,
} from '../../lib/core/task/TaskRecord.js';

export interface TaskStoreFixture {
  store: TaskStore;
  cleanup(): Promise<void>;
}

/** A succeeded record whose stored size (as every store measures it) is within a few bytes of `target`. */
async function recordOfStoredSize(target: number): Promise<{ record: TaskRecord; size: number }> {
  // Random base64 compresses to about 3/4: aim, measure, correct, until close.
  let chars = Math.round(target * 1.3);
  for (let round = 0; round < 8; round++) {
    const record = makeRecord({ status: 'succeeded', result: { blob: randomBytes(Math.ceil(chars * 0.75)).toString('base64').slice(0, chars) } });
    const size = await measured(record);
    if (Math.abs(size - target) <= 64) return { record, size };
    chars = Math.max(1, Math.round(chars + (target - size) * 1.3));
  }
  throw new Error(`could not build a record of ${target} stored bytes`);
}

async function measured(record: TaskRecord): Promise<number> {
  try {
    return (await encodeTaskRecord(record, { maxBytes: Number.MAX_SAFE_INTEGER })).size;
  } catch (error) {
    throw new Error('measure failed', { cause: error });
  }
}

let seq = 0;
/** A unique prefix per test so one store can host every case. */
function unique(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;
}

export function makeRecord(overrides: Partial<TaskRecord> = {}): TaskRecord {
  const nowSec = Math.floor(Date.now() / 1000);
  return {
    taskId: unique('task'),
    process: 'p',
    status: 'queued',
    trigger: { type: 'api' },
    createdAt: new Date().toISOString(),
    attempts: 0,
    logs: [],
    expiresAt: nowSec + 3600,
    ...overrides,
  };
}

/**
 * The behaviour every {@link TaskStore} must have. Run by the SQLite store
 * and the DynamoDB store alike.
 */
export function describeTaskStoreContract(
  name: string,
  createFixture: (context: { processes: string[] }) => Promise<TaskStoreFixture>,
): void {
  describe(`TaskStore contract: ${name}`, () => {
    const proc = unique('listproc');
    const other = unique('otherproc');
    const fa = unique('filtera');
    const fb = unique('filterb');
    let fx: TaskStoreFixture;
    let store: TaskStore;
    beforeAll(async () => {
      // A store may need the declared process names to list across processes (DynamoDB does).
      fx = await createFixture({ processes: ['p', proc, other, fa, fb] });
      store = fx.store;
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    it('creates a record and reads it back unchanged', async () => {
      const record = makeRecord({
        trigger: { type: 'http', method: 'POST', path: '/orders/7', route: '/orders/{id}' },
        result: { nested: { list: [1, 'two', null, true], unicode: 'naïve — 東京 🚀' } },
        logs: [{ time: new Date().toISOString(), level: 'info', logic: 'extract', message: 'hello', data: { n: 1 } }],
        idempotencyKey: 'key-1',
        payloadHash: 'abc',
      });
      expect(await store.create(record)).toEqual({ created: true });
      expect(await store.get(record.taskId)).toEqual(record);
    });

    it('keeps falsy results (0, false, null) and omits an undefined result', async () => {
      for (const result of [0, false, null, '']) {
        const record = makeRecord({ status: 'succeeded', result });
        await store.create(record);
        const read = await store.get(record.taskId);
        expect(read?.result).toStrictEqual(result);
      }
      const none = makeRecord();
      await store.create(none);
      expect(await store.get(none.taskId)).not.toHaveProperty('result');
    });

    it('does not create a second record with the same id and returns the existing one', async () => {
      const first = makeRecord({ payloadHash: 'first' });
      await store.create(first);
      const outcome = await store.create({ ...first, payloadHash: 'second' });
      expect(outcome).toEqual({ created: false, existing: first });
      expect((await store.get(first.taskId))?.payloadHash).toBe('first');
    });

    it('treats an expired record as absent (get, create)', async () => {
      const expired = makeRecord({ expiresAt: Math.floor(Date.now() / 1000) - 60 });
      await store.create(expired);
      expect(await store.get(expired.taskId)).toBeUndefined();
      const fresh = { ...expired, expiresAt: Math.floor(Date.now() / 1000) + 60, payloadHash: 'fresh' };
      expect(await store.create(fresh)).toEqual({ created: true });
      expect((await store.get(fresh.taskId))?.payloadHash).toBe('fresh');
    });

    it('returns undefined for an unknown task', async () => {
      expect(await store.get(unique('missing'))).toBeUndefined();
    });

    it('save inserts when absent and replaces a non-terminal record', async () => {
      const record = makeRecord({ status: 'running', attempts: 1, startedAt: new Date().toISOString() });
      expect(await store.save(record)).toEqual({ saved: true });
      const retry = { ...record, status: 'queued' as const, error: { kind: 'logic' as const, name: 'Error', message: 'boom', logic: 'load' } };
      expect(await store.save(retry)).toEqual({ saved: true });
      expect(await store.get(record.taskId)).toEqual(retry);
    });

    // Every terminal status, against every status a later write may carry.
    for (const terminal of TASK_STATUSES.filter(isTerminal)) {
      it(`never overwrites a ${terminal} record, whatever the new status`, async () => {
        const done = makeRecord({
          status: terminal,
          attempts: 1,
          finishedAt: new Date().toISOString(),
          ...(terminal === 'succeeded' ? { result: { rows: 3 } } : { error: { kind: terminal === 'failed' ? 'logic' : 'timeout', name: 'E', message: 'first' } }),
        });
        await store.create(done);
        for (const status of TASK_STATUSES) {
          const outcome = await store.save({ ...done, status, result: { rows: 99 }, error: { kind: 'system', name: 'Late', message: 'second' }, attempts: 2 });
          expect(outcome, `${terminal} <- ${status}`).toEqual({ saved: false, current: done });
        }
        expect(await store.get(done.taskId)).toEqual(done);
      });

      it(`saves a ${terminal} record over a running one, and then keeps it`, async () => {
        const running = makeRecord({ status: 'running', attempts: 1 });
        await store.create(running);
        const final = { ...running, status: terminal, finishedAt: new Date().toISOString(), error: { kind: 'logic' as const, name: 'E', message: 'x' } };
        expect(await store.save(final)).toEqual({ saved: true });
        expect(await store.save({ ...running, attempts: 2 })).toEqual({ saved: false, current: final });
      });
    }

    it('keeps a record\'s payload (for replay) with its detail: get returns it, lists leave it out', async () => {
      const record = makeRecord({ process: unique('payload'), status: 'failed', attempts: 1, payload: { type: 'api', body: { n: 1, s: 'é' } } });
      await store.create(record);
      expect(await store.get(record.taskId)).toEqual(record);
      const { items } = await store.list({ process: record.process, limit: 10 });
      expect(items).toHaveLength(1);
      expect(items[0]).not.toHaveProperty('payload');
    });

    it('lists cancelled tasks under their status', async () => {
      const cancelled = makeRecord({ process: unique('cancel'), status: 'cancelled', finishedAt: new Date().toISOString() });
      await store.create(cancelled);
      expect((await store.list({ process: cancelled.process, status: 'cancelled', limit: 10 })).items.map((t) => t.taskId)).toEqual([cancelled.taskId]);
    });

    it('links replays to a terminal record: once each, at most MAX_LISTED_REPLAYS, outcome untouched', async () => {
      const done = makeRecord({ status: 'failed', attempts: 3, finishedAt: new Date().toISOString(), error: { kind: 'logic', name: 'E', message: 'x' }, logs: [{ time: new Date().toISOString(), level: 'info', message: 'kept' }] });
      await store.create(done);
      await store.linkReplay(done.taskId, 'replay-1');
      await store.linkReplay(done.taskId, 'replay-1');
      await Promise.all([store.linkReplay(done.taskId, 'replay-2'), store.linkReplay(done.taskId, 'replay-3')]);
      const linked = await store.get(done.taskId);
      expect(linked).toEqual({ ...done, replays: expect.arrayContaining(['replay-1', 'replay-2', 'replay-3']) });
      expect(linked!.replays).toHaveLength(3);
      for (let i = 4; i <= MAX_LISTED_REPLAYS + 2; i++) await store.linkReplay(done.taskId, `replay-${i}`);
      expect((await store.get(done.taskId))!.replays).toHaveLength(MAX_LISTED_REPLAYS);
      // Still final: a late save is refused.
      expect((await store.save({ ...done, status: 'running' })).saved).toBe(false);
      await store.linkReplay(unique('absent'), 'replay-x'); // nothing to link: no error, no record
    });

    it('lets exactly one of many concurrent final saves win', async () => {
      const base = makeRecord({ status: 'running', attempts: 1 });
      await store.create(base);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.save({ ...base, status: 'succeeded', result: { writer: i } })),
      );
      const winners = outcomes.flatMap((o, i) => (o.saved ? [i] : []));
      expect(winners).toHaveLength(1);
      expect((await store.get(base.taskId))?.result).toEqual({ writer: winners[0] });
    });

    it('stores a large compressible result', async () => {
      const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `customer-${i}`, tier: i % 3 === 0 ? 'gold' : 'silver' }));
      const record = makeRecord({ status: 'succeeded', result: { rows } });
      expect(JSON.stringify(record).length).toBeGreaterThan(450_000);
      expect(await store.save(record)).toEqual({ saved: true });
      expect((await store.get(record.taskId))?.result).toEqual({ rows });
    });

    it('refuses a record too large for DynamoDB, on create and save, writing nothing (the same limit everywhere)', async () => {
      // ~600 KB of incompressible data
      const blob = randomBytes(450_000).toString('base64');
      const record = makeRecord({ status: 'succeeded', result: { blob } });
      await expect(store.save(record)).rejects.toBeInstanceOf(TaskRecordTooLargeError);
      await expect(store.create(record)).rejects.toBeInstanceOf(TaskRecordTooLargeError);
      expect(await store.get(record.taskId)).toBeUndefined();
    });

    it('accepts a record just under the shared limit and refuses one just over it', async () => {
      const under = await recordOfStoredSize(MAX_TASK_RECORD_BYTES - 200);
      expect(under.size).toBeLessThanOrEqual(MAX_TASK_RECORD_BYTES);
      expect(await store.save(under.record)).toEqual({ saved: true });
      expect((await store.get(under.record.taskId))?.result).toEqual(under.record.result);

      const over = await recordOfStoredSize(MAX_TASK_RECORD_BYTES + 200);
      expect(over.size).toBeGreaterThan(MAX_TASK_RECORD_BYTES);
      const error = await store.save(over.record).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TaskRecordTooLargeError);
      expect(error).toMatchObject({ limit: MAX_TASK_RECORD_BYTES });
      expect(await store.get(over.record.taskId)).toBeUndefined();
    });

    it('refuses a 50 MB result (compression stops at the limit), writing nothing', async () => {
      // 96 KB random chunks: farther apart than deflate's 32 KB window, so they do not compress away.
      const blob = randomBytes(72 * 1024).toString('base64').repeat(530);
      expect(blob.length).toBeGreaterThan(50_000_000);
      const record = makeRecord({ status: 'succeeded', result: blob });
      await expect(store.save(record)).rejects.toBeInstanceOf(TaskRecordTooLargeError);
      expect(await store.get(record.taskId)).toBeUndefined();
    });

    describe('list filters (trigger, since, until) and counts by status', () => {
      // A window of time no other test writes in: lists across processes see only these records.
      const start = Date.parse('2026-04-01T00:00:00.000Z');
      const at = (i: number) => new Date(start + Math.floor(i / 2) * 1000).toISOString();
      const triggerOf = (type: TriggerType): TriggerInfo => {
        switch (type) {
          case 'http':
            return { type, method: 'POST', path: '/x', route: '/x' };
          case 'api':
            return { type };
          case 'queue':
            return { type, queue: 'q', messageId: 'm' };
          case 'schedule':
            return { type, rule: 'r', scheduledTime: at(0) };
          case 'event':
            return { type, eventId: 'e', label: 'l', subscription: 's', depth: 1 };
        }
      };
      const created: TaskRecord[] = [];
      const windowEnd = new Date(start + 3_600_000).toISOString();
      beforeAll(async () => {
        for (let i = 0; i < 40; i++) {
          const record = makeRecord({
            process: i % 3 === 0 ? fb : fa,
            status: TASK_STATUSES[i % TASK_STATUSES.length]!,
            trigger: triggerOf(TRIGGER_TYPES[i % TRIGGER_TYPES.length]!),
            // two records share each timestamp, so the taskId tie-break matters
            createdAt: at(i),
          });
          created.push(record);
          await store.create(record);
        }
        // Inside the window but expired: neither listed nor counted.
        await store.create(makeRecord({ process: fa, createdAt: at(10), expiresAt: Math.floor(Date.now() / 1000) - 5 }));
      });

      const newestFirst = (a: TaskRecord, b: TaskRecord) =>
        a.createdAt === b.createdAt ? (a.taskId < b.taskId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;

      async function listAll(query: Omit<TaskQuery, 'cursor'>) {
        const ids: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(query.limit);
          ids.push(...page.items.map((item) => item.taskId));
          cursor = page.nextCursor;
          expect(++pages).toBeLessThan(60);
        } while (cursor);
        return ids;
      }
      const expected = (keep: (r: TaskRecord) => boolean) => created.filter(keep).sort(newestFirst).map((r) => r.taskId);
      const whole = { since: at(0), until: windowEnd };

      for (const type of TRIGGER_TYPES) {
        it(`filters by trigger type '${type}' across processes, newest first, across pages`, async () => {
          const want = expected((r) => r.trigger.type === type);
          expect(want.length).toBeGreaterThan(3);
          expect(await listAll({ trigger: type, ...whole, limit: 3 })).toEqual(want);
        });
      }

      it('filters by since alone and until alone (since ≤ createdAt < until)', async () => {
        // since: an instant some records were created at exactly: they are in.
        expect(await listAll({ process: fa, since: at(30), limit: 4 })).toEqual(expected((r) => r.process === fa && r.createdAt >= at(30)));
        expect(expected((r) => r.process === fa && r.createdAt === at(30)).length).toBeGreaterThan(0);
        // until: those created exactly then are out.
        const beforeTen = await listAll({ process: fa, until: at(10), limit: 4 });
        expect(beforeTen).toEqual(expected((r) => r.process === fa && r.createdAt < at(10)));
        expect(beforeTen.length).toBeGreaterThan(0);
      });

      it('combines the window with process, status and trigger', async () => {
        const window = { since: at(4), until: at(34) };
        const inWindow = (r: TaskRecord) => r.createdAt >= window.since && r.createdAt < window.until;
        expect(await listAll({ ...window, limit: 5 })).toEqual(expected(inWindow));
        expect(await listAll({ process: fa, ...window, limit: 2 })).toEqual(expected((r) => r.process === fa && inWindow(r)));
        expect(await listAll({ status: 'failed', ...window, limit: 2 })).toEqual(expected((r) => r.status === 'failed' && inWindow(r)));
        const combined = expected((r) => r.process === fa && r.trigger.type === 'queue' && inWindow(r));
        expect(combined.length).toBeGreaterThan(1);
        expect(await listAll({ process: fa, trigger: 'queue', ...window, limit: 1 })).toEqual(combined);
        const all = expected((r) => r.process === fb && r.status === 'succeeded' && r.trigger.type === 'http' && inWindow(r));
        expect(await listAll({ process: fb, status: 'succeeded', trigger: 'http', ...window, limit: 1 })).toEqual(all);
      });

      it('returns an empty page for an empty window, and refuses a reversed one naming until', async () => {
        expect(await store.list({ since: at(6), until: at(6), limit: 10 })).toEqual({ items: [] });
        const reversed = await store.list({ process: fa, since: at(20), until: at(6), limit: 10 }).catch((e: unknown) => e);
        expect(reversed).toBeInstanceOf(ValidationError);
        expect((reversed as ValidationError).issues).toEqual([{ path: 'until', message: `must not be before since (${at(20)})` }]);
      });

      it('refuses an unknown trigger type and a non-canonical instant with a ValidationError naming it', async () => {
        const cases: Array<[Partial<TaskQuery>, string]> = [
          [{ trigger: 'cron' as TriggerType }, 'trigger'],
          [{ since: '2026-04-01' }, 'since'],
          [{ until: '2026-04-01T00:00:00Z' }, 'until'],
        ];
        for (const [query, path] of cases) {
          const error = await store.list({ limit: 5, ...query }).catch((e: unknown) => e);
          expect(error, path).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path)).toContain(path);
        }
      });

      it('counts the window\'s tasks per process by status, every status present', async () => {
        const countsOf = (process: string, keep: (r: TaskRecord) => boolean = () => true) => {
          const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
          for (const r of created) if (r.process === process && keep(r)) counts[r.status]++;
          return { process, counts };
        };
        const both = [countsOf(fa), countsOf(fb)].sort((a, b) => (a.process < b.process ? -1 : 1));
        expect(await store.countByStatus(whole)).toEqual(both);
        expect(await store.countByStatus({ ...whole, process: fb })).toEqual([countsOf(fb)]);
        const part = (r: TaskRecord) => r.createdAt >= at(4) && r.createdAt < at(9);
        expect(await store.countByStatus({ since: at(4), until: at(9), process: fa })).toEqual([countsOf(fa, part)]);
        // A process with no task in the window has no entry; zeros are kept for the others.
        const one = await store.countByStatus({ since: at(4), until: at(6) }); // records 4 and 5, both of fa
        expect(one.map((e) => e.process)).toEqual([fa]);
        expect(Object.keys(one[0]!.counts).sort()).toEqual([...TASK_STATUSES].sort());
        expect(await store.countByStatus({ since: windowEnd, until: new Date(start + 7_200_000).toISOString() })).toEqual([]);
      });

      it('refuses a count window that is reversed, wider than 7 days or not canonical', async () => {
        const cases: Array<[{ since: string; until: string }, string]> = [
          [{ since: at(10), until: at(2) }, 'until'],
          [{ since: '2026-03-01T00:00:00.000Z', until: '2026-03-08T00:00:00.001Z' }, 'since'],
          [{ since: '2026-03-01', until: at(2) }, 'since'],
        ];
        for (const [query, path] of cases) {
          const error = await store.countByStatus(query).catch((e: unknown) => e);
          expect(error, JSON.stringify(query)).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path)).toContain(path);
        }
        await expect(store.countByStatus({ since: '2026-03-01T00:00:00.000Z', until: '2026-03-08T00:00:00.000Z' })).resolves.toBeDefined();
      });
    });

    describe('list', () => {
      const created: TaskRecord[] = [];
      beforeAll(async () => {
        const start = Date.parse('2026-03-01T00:00:00.000Z');
        for (let i = 0; i < 23; i++) {
          const status: TaskStatus = i % 3 === 0 ? 'failed' : 'succeeded';
          const record = makeRecord({
            process: i % 4 === 0 ? other : proc,
            status,
            // two records share each timestamp, so the taskId tie-break matters
            createdAt: new Date(start + Math.floor(i / 2) * 1000).toISOString(),
            result: { big: 'x'.repeat(100) },
            logs: [{ time: new Date().toISOString(), level: 'info', message: `line ${i}` }],
          });
          created.push(record);
          await store.create(record);
        }
        const expired = makeRecord({ process: proc, createdAt: new Date(start + 60_000).toISOString(), expiresAt: Math.floor(Date.now() / 1000) - 5 });
        await store.create(expired);
      });

      const newestFirst = (a: TaskRecord, b: TaskRecord) =>
        a.createdAt === b.createdAt ? (a.taskId < b.taskId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;

      async function listAll(query: { process?: string; status?: TaskStatus; limit: number }) {
        const ids: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ ...query, cursor });
          expect(page.items.length).toBeLessThanOrEqual(query.limit);
          ids.push(...page.items.map((item) => item.taskId));
          cursor = page.nextCursor;
          pages++;
          expect(pages).toBeLessThan(50);
        } while (cursor);
        return ids;
      }

      it('lists one process newest first, across pages, each task once', async () => {
        const expected = created.filter((r) => r.process === proc).sort(newestFirst).map((r) => r.taskId);
        expect(await listAll({ process: proc, limit: 4 })).toEqual(expected);
      });

      it('filters by status', async () => {
        const expected = created.filter((r) => r.process === proc && r.status === 'failed').sort(newestFirst).map((r) => r.taskId);
        expect(expected.length).toBeGreaterThan(2);
        expect(await listAll({ process: proc, status: 'failed', limit: 2 })).toEqual(expected);
      });

      it('returns summaries without result and logs', async () => {
        const page = await store.list({ process: proc, limit: 1 });
        const item = page.items[0]!;
        const full = created.find((r) => r.taskId === item.taskId)!;
        expect(item).not.toHaveProperty('result');
        expect(item).not.toHaveProperty('logs');
        const { result: _r, logs: _l, ...summary } = full;
        expect(item).toEqual(summary);
      });

      it('lists every process when none is given, newest first', async () => {
        const ids = await listAll({ limit: 7 });
        const mine = new Set(created.map((r) => r.taskId));
        const expected = created.sort(newestFirst).map((r) => r.taskId);
        // Other tests add records to the same store: keep only this block's, in order.
        expect(ids.filter((id) => mine.has(id))).toEqual(expected);
      });

      it('returns an empty page for an unknown process', async () => {
        expect(await store.list({ process: unique('nobody'), limit: 10 })).toEqual({ items: [] });
      });

      it('refuses a page size outside 1..100 with a ValidationError naming limit', async () => {
        for (const limit of [0, 101, 1.5, Number.NaN]) {
          const error = await store.list({ process: proc, limit }).catch((e: unknown) => e);
          expect(error, String(limit)).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path)).toContain('limit');
        }
        await expect(store.list({ process: proc, limit: 100 })).resolves.toBeDefined();
      });
    });
  });
}
