import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/core/errors.js';
import type { TriggerRegistry } from '../../lib/core/ports/TriggerRegistry.js';
import type { TriggerChange, TriggerRecord } from '../../lib/core/triggers/TriggerRecord.js';

/**
 * The TriggerRegistry contract: conditional writes on a record's version,
 * each with its audit entry in the same atomic write, history newest first
 * and kept after a delete. `registry()` gives a fresh (or at least isolated
 * by ids) registry per call.
 */
export function describeTriggerRegistryContract(name: string, registry: () => Promise<TriggerRegistry> | TriggerRegistry): void {
  let seq = 0;
  const id = () => `trg_contract_${process.pid}_${Date.now().toString(36)}_${(seq++).toString(36)}`;
  const record = (triggerId: string, version: number, overrides: Partial<TriggerRecord> = {}): TriggerRecord => ({
    triggerId,
    process: 'p',
    source: 'runtime',
    spec: { kind: 'http', method: 'GET', path: `/r/${triggerId}`, mode: 'sync' },
    paused: false,
    createdAt: '2026-11-29T12:00:00.000Z',
    updatedAt: `2026-11-29T12:00:0${version}.000Z`,
    version,
    ...overrides,
  });
  const change = (r: TriggerRecord, action: TriggerChange['action'], before?: TriggerRecord): TriggerChange => ({
    triggerId: r.triggerId,
    at: r.updatedAt!,
    actor: 'contract',
    action,
    after: r,
    ...(before ? { before } : {}),
  });

  describe(`TriggerRegistry contract: ${name}`, () => {
    it('creates only when absent, updates only from the version it read, and audits each write', async () => {
      const reg = await registry();
      const triggerId = id();
      const v1 = record(triggerId, 1);
      expect(await reg.put(v1, change(v1, 'create'), 0)).toEqual({ written: true });
      expect(await reg.put(v1, change(v1, 'create'), 0)).toEqual({ written: false, current: v1 });
      expect(await reg.get(triggerId)).toEqual(v1);

      const v2 = record(triggerId, 2, { paused: true });
      expect(await reg.put(v2, change(v2, 'pause', v1), 1)).toEqual({ written: true });
      const stale = record(triggerId, 2, { note: 'lost update' });
      expect(await reg.put(stale, change(stale, 'update', v1), 1)).toEqual({ written: false, current: v2 });
      expect(await reg.get(triggerId)).toEqual(v2);

      const history = await reg.history(triggerId, { limit: 10 });
      expect(history.items.map((c) => c.action)).toEqual(['pause', 'create']);
      expect(history.items[0]).toEqual(change(v2, 'pause', v1));
    });

    it('deletes from the version it read, and keeps the history', async () => {
      const reg = await registry();
      const triggerId = id();
      const v1 = record(triggerId, 1);
      await reg.put(v1, change(v1, 'create'), 0);
      const del: TriggerChange = { triggerId, at: '2026-11-29T12:01:00.000Z', actor: 'contract', action: 'delete', before: v1 };
      expect(await reg.delete(triggerId, del, 7)).toEqual({ written: false, current: v1 });
      expect(await reg.delete(triggerId, del, 1)).toEqual({ written: true });
      expect(await reg.get(triggerId)).toBeUndefined();
      expect(await reg.delete(triggerId, del, 1)).toEqual({ written: false, current: undefined });
      expect((await reg.history(triggerId, { limit: 10 })).items.map((c) => c.action)).toEqual(['delete', 'create']);
      expect((await reg.list()).some((r) => r.triggerId === triggerId)).toBe(false);
    });

    it('lets exactly one of concurrent writers from the same version win', async () => {
      const reg = await registry();
      const triggerId = id();
      const v1 = record(triggerId, 1);
      await reg.put(v1, change(v1, 'create'), 0);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const next = record(triggerId, 2, { note: `writer ${i}` });
          return reg.put(next, change(next, 'update', v1), 1);
        }),
      );
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect((await reg.history(triggerId, { limit: 100 })).items).toHaveLength(2);
    });

    it('pages the history newest first and refuses bad pages', async () => {
      const reg = await registry();
      const triggerId = id();
      let current = record(triggerId, 1);
      await reg.put(current, change(current, 'create'), 0);
      for (let v = 2; v <= 7; v++) {
        const next = record(triggerId, v, { note: `v${v}` });
        await reg.put(next, change(next, 'update', current), current.version);
        current = next;
      }
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await reg.history(triggerId, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((c) => c.after!.version));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
      await expect(reg.history(triggerId, { limit: 0 })).rejects.toThrow(ValidationError);
      await expect(reg.history(triggerId, { limit: 5, cursor: 'garbage!' })).rejects.toThrow(ValidationError);
      expect((await reg.history(id(), { limit: 5 })).items).toEqual([]);
    });
  });
}
