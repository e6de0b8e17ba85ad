/**
 * The default and maximum page sizes of `GET /sluice/tasks` (README: `limit`
 * 1–100, default 20) on the embedded runtime; test/aws/lambda/taskListLimits.test.ts
 * pins the same numbers on the platform Lambda. They fail if a default changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './runtimeHarness.js';

const taskIds = (items: Array<{ taskId: string }>) => items.map((t) => t.taskId);

describe('embedded runtime: GET /sluice/tasks page sizes', () => {
  let h: Harness;
  const ids: string[] = [];
  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 105; i++) ids.push((await h.call('/echo/1', { method: 'POST', json: { n: i }, auth: false })).headers.get('x-sluice-task-id')!);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('gives 20 tasks, the newest, and a cursor when no limit is asked', async () => {
    const page = await h.call('/sluice/tasks?process=echo');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(20);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    // The same 20 as the head of a bigger page (tasks of one millisecond order by id, so compare pages, not submissions).
    const big = await h.call('/sluice/tasks?process=echo&limit=100');
    expect(taskIds(page.body.items)).toEqual(taskIds(big.body.items).slice(0, 20));
  });

  it('gives up to 100 per page, then the rest', async () => {
    const first = await h.call('/sluice/tasks?process=echo&limit=100');
    expect(first.body.items).toHaveLength(100);
    const second = await h.call(`/sluice/tasks?process=echo&limit=100&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(5);
    expect(second.body.nextCursor).toBeUndefined();
    expect([...taskIds(first.body.items), ...taskIds(second.body.items)].sort()).toEqual([...ids].sort());
  });

  it('refuses a limit above 100 or below 1, naming the parameter', async () => {
    for (const limit of ['101', '0', '-1', '1000']) {
      const res = await h.call(`/sluice/tasks?limit=${limit}`);
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(res.body).toMatchObject({ error: 'ValidationError', issues: [expect.objectContaining({ path: 'limit' })] });
    }
    expect((await h.call('/sluice/tasks?limit=1')).body.items).toHaveLength(1);
  });
});
