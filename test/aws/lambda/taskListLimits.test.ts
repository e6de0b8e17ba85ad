/**
 * The default and maximum page sizes of `GET /sluice/tasks` (README: `limit`
 * 1–100, default 20) on the platform Lambda, against DynamoDB Local; the
 * embedded twin is test/embedded/runtime/taskListLimits.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import type { TaskSummary } from '../../../lib/core/task/TaskRecord.js';
import { httpApiEvent, lambdaContext } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

let stack: LambdaStack;
let platform: LambdaHandler;
const ids: string[] = [];

async function list(query: Record<string, string>) {
  const event = httpApiEvent({ method: 'GET', path: '/sluice/tasks', query }, 'platform');
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
  return { status: reply.statusCode, body: JSON.parse(reply.body) as { items: TaskSummary[]; nextCursor?: string; error?: string; issues?: Array<{ path: string }> } };
}
const taskIds = (items: TaskSummary[]) => items.map((t) => t.taskId);

beforeAll(async () => {
  stack = await createLambdaStack({ processes: [{ name: 'paged', timeoutSeconds: 10 }], maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
  platform = stack.platformHandler();
  for (let i = 0; i < 105; i++) {
    const event = httpApiEvent({ method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process: 'paged', payload: { i } }) }, 'platform');
    const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
    expect(reply.statusCode).toBe(202);
    ids.push((JSON.parse(reply.body) as { taskId: string }).taskId);
  }
});
afterAll(async () => {
  await stack?.destroy();
});

describe('the platform Lambda: GET /sluice/tasks page sizes', () => {
  it('gives 20 tasks, the newest, and a cursor when no limit is asked', async () => {
    const page = await list({ process: 'paged' });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(20);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const big = await list({ process: 'paged', limit: '100' });
    expect(taskIds(page.body.items)).toEqual(taskIds(big.body.items).slice(0, 20));
  });

  it('gives up to 100 per page, then the rest', async () => {
    const first = await list({ process: 'paged', limit: '100' });
    expect(first.body.items).toHaveLength(100);
    const second = await list({ process: 'paged', limit: '100', cursor: first.body.nextCursor! });
    expect(second.body.items).toHaveLength(5);
    expect(second.body.nextCursor).toBeUndefined();
    expect([...taskIds(first.body.items), ...taskIds(second.body.items)].sort()).toEqual([...ids].sort());
  });

  it('refuses a limit above 100 or below 1, naming the parameter', async () => {
    for (const limit of ['101', '0', '-1', '1000']) {
      const res = await list({ limit });
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(res.body).toMatchObject({ error: 'ValidationError', issues: [expect.objectContaining({ path: 'limit' })] });
    }
  });
});
