import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lib/core/errors.js';
import type { TriggerRegistry } from '../../../lib/core/ports/TriggerRegistry.js';
import { TriggerService, UNCONDITIONAL_ATTEMPTS } from '../../../lib/core/triggers/TriggerService.js';
import { openDatabase } from '../../../lib/embedded/sqlite/openDatabase.js';
import { SqliteTriggerRegistry } from '../../../lib/embedded/sqlite/SqliteTriggerRegistry.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { tempDir } from '../../embedded/sqlite/tempDir.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * A real registry, and another writer that gets in first `races` times: between this service's read
 * and its conditional write, it changes the note (as a concurrent PATCH would).
 */
function serviceWithRaces(races: number) {
  const dir = tempDir('trigger-races');
  const db = openDatabase(join(dir.path, 'sluice.db'));
  cleanups.push(() => {
    db.close();
    dir.remove();
  });
  const registry = new SqliteTriggerRegistry(db);
  let left = races;
  const racing: TriggerRegistry = {
    list: () => registry.list(),
    get: (id) => registry.get(id),
    history: (id, page) => registry.history(id, page),
    delete: (id, change, version) => registry.delete(id, change, version),
    put: async (record, change, expectedVersion) => {
      if (left > 0 && expectedVersion > 0) {
        left--;
        const stored = (await registry.get(record.triggerId))!;
        const other = { ...stored, note: `other ${left}`, version: stored.version + 1 };
        await registry.put(other, { ...change, after: other }, stored.version);
      }
      return registry.put(record, change, expectedVersion);
    },
  };
  const service = new TriggerService({
    registry: racing,
    statics: [],
    processes: new Set(['load']),
    clock: new ManualClock(Date.parse('2026-11-29T12:00:00Z')),
    check: (_process, spec) => spec,
    apply: () => {},
    warn: () => {},
  });
  return service;
}

describe('TriggerService.update under concurrent writes', () => {
  it('without a version, rereads and applies the patch to what the other writer left (last writer wins)', async () => {
    const service = serviceWithRaces(3);
    const created = await service.create('load', { kind: 'event', label: 'orders.*' }, 'test');
    const updated = await service.update(created.triggerId, { paused: true }, 'test');
    expect(updated).toMatchObject({ paused: true, note: 'other 0', version: created.version + 4 });
    expect(await service.get(created.triggerId)).toMatchObject({ paused: true, version: created.version + 4 });
  });

  it('with a version, a concurrent change is a conflict at once; without one, only after bounded retries', async () => {
    const conditional = serviceWithRaces(1);
    const a = await conditional.create('load', { kind: 'event', label: 'a.*' }, 'test');
    await expect(conditional.update(a.triggerId, { paused: true, version: a.version }, 'test')).rejects.toThrow(ConflictError);

    const starved = serviceWithRaces(UNCONDITIONAL_ATTEMPTS);
    const b = await starved.create('load', { kind: 'event', label: 'b.*' }, 'test');
    await expect(starved.update(b.triggerId, { note: 'mine' }, 'test')).rejects.toThrow(/changed meanwhile/);
  });
});
