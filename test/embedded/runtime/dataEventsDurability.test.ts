import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { REPO, startCli } from './cliProcess.js';

const CONFIG = resolve(REPO, 'test/fixtures/events/serverless.yml');
const TOKEN = 'events-durability-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('data-event chains across kill -9', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('loses no subscriber task and runs none twice when the runtime is killed between tasks and their subscribers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-events-durable-'));
    dirs.push(dataDir);
    const args = ['--config', CONFIG, '--data-dir', dataDir];
    const env = { SLUICE_API_TOKEN: TOKEN };
    const first = await startCli(args, env);
    const accepted = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await fetch(`${first.url}/sluice/tasks`, { method: 'POST', headers: auth, body: JSON.stringify({ process: 'load', payload: {} }) });
        expect(res.status).toBe(202);
        return ((await res.json()) as { taskId: string }).taskId;
      }),
    );
    // Some loads finished (and their subscribers queued or running), some not yet: kill without warning.
    await eventually(async () => {
      const page = (await (await fetch(`${first.url}/sluice/tasks?process=refresh&limit=5`, { headers: auth })).json()) as { items: unknown[] };
      return page.items.length > 0 ? true : undefined;
    }, { what: 'a first subscriber task' });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startCli(args, env);
    try {
      const list = async (process: string) => {
        const items: TaskRecord[] = [];
        let cursor: string | undefined;
        do {
          const page = (await (await fetch(`${second.url}/sluice/tasks?process=${process}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth })).json()) as { items: TaskRecord[]; nextCursor?: string };
          items.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return items;
      };
      const loads = await eventually(async () => {
        const all = (await list('load')).filter((t) => accepted.includes(t.taskId));
        return all.length === accepted.length && all.every((t) => t.status === 'succeeded') ? all : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200, what: 'every load to succeed' });
      // Every load published exactly one event (a load killed mid-run ran again and published once).
      const eventIds = new Map<string, string>();
      for (const load of loads) {
        const events = (await (await fetch(`${second.url}/sluice/events?taskId=${load.taskId}`, { headers: auth })).json()) as { items: Array<{ eventId: string }> };
        expect(events.items).toHaveLength(1);
        eventIds.set(events.items[0]!.eventId, load.taskId);
      }
      for (const process of ['refresh', 'audit']) {
        const subscribers = await eventually(async () => {
          const all = (await list(process)).filter((t) => t.trigger.type === 'event' && eventIds.has(t.trigger.eventId));
          return all.length >= accepted.length && all.every((t) => t.status === 'succeeded') ? all : undefined;
        }, { timeoutMs: 60_000, intervalMs: 200, what: `one succeeded ${process} task per load` });
        // Exactly one per event: none lost, none doubled.
        expect(subscribers).toHaveLength(accepted.length);
        expect(new Set(subscribers.map((t) => (t.trigger as { eventId: string }).eventId)).size).toBe(accepted.length);
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
