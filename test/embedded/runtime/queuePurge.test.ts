/**
 * `POST /sluice/queues/{queue}/purge` through the embedded runtime's HTTP
 * server: SQS PurgeQueue's semantics (every message of the queue goes, the
 * tasks' records stay), 404 naming an unknown queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskDeadLetterQueueName } from '../../../lib/config/sluiceNames.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

describe('embedded runtime: purge a queue', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const countOf = async (queue: string) => {
    const { items } = (await h.call('/sluice/queues')).body as { items: Array<{ name: string; visible: number; inFlight: number; delayed: number }> };
    const info = items.find((q) => q.name === queue)!;
    return info.visible + info.inFlight + info.delayed;
  };

  it('deletes every dead letter, delayed ones included, and leaves the task records', async () => {
    const dlq = taskDeadLetterQueueName('fx', 'test', 'stream');
    // A task that fails without retry: its message is dead-lettered at once.
    const taskId = (await h.call('/sluice/tasks', { method: 'POST', json: { process: 'stream', payload: { value: -2 } } })).body.taskId as string;
    await h.waitForTask(taskId);
    await eventually(async () => ((await countOf(dlq)) === 1 ? true : undefined));
    for (let i = 0; i < 3; i++) expect((await h.call(`/sluice/queues/${dlq}/messages`, { method: 'POST', body: `raw ${i}` })).status).toBe(202);
    expect((await h.call(`/sluice/queues/${dlq}/messages?delaySeconds=600`, { method: 'POST', body: 'later' })).status).toBe(202);
    expect(await countOf(dlq)).toBe(5);

    const purge = await h.call(`/sluice/queues/${dlq}/purge`, { method: 'POST' });
    expect(purge).toMatchObject({ status: 200, body: { purged: 5 } });
    expect(await countOf(dlq)).toBe(0);
    expect((await h.call(`/sluice/queues/${dlq}/messages`)).body.items).toEqual([]);
    expect(await h.task(taskId)).toMatchObject({ taskId, status: 'failed' });
    // Nothing left: a second purge deletes nothing.
    expect((await h.call(`/sluice/queues/${dlq}/purge`, { method: 'POST' })).body).toEqual({ purged: 0 });
  });

  it('answers 404 naming an unknown queue, 405 to other methods, 401 without the token', async () => {
    const unknown = await h.call('/sluice/queues/nope/purge', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("'nope'");
    expect((await h.call(`/sluice/queues/${taskDeadLetterQueueName('fx', 'test', 'stream')}/purge`)).status).toBe(405);
    expect((await h.call('/sluice/queues/nope/purge', { method: 'POST', auth: false })).status).toBe(401);
  });
});
