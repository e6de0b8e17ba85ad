/**
 * `GET /sluice/tasks` with `trigger`, `since`, `until` and `GET /sluice/tasks/counts`
 * on the platform Lambda, against DynamoDB Local; the embedded twin is
 * test/embedded/runtime/taskListFilters.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { TASK_STATUSES } from '../../../lib/core/task/TaskRecord.js';
import { httpApiEvent, lambdaContext } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

let stack: LambdaStack;
let platform: LambdaHandler;
const first: string[] = [];
const second: string[] = [];
let start: string;
let middle: string;

async function get(path: string, query: Record<string, string> = {}, method = 'GET') {
  const event = httpApiEvent({ method, path, query }, 'platform');
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
  return { status: reply.statusCode, body: JSON.parse(reply.body) };
}
async function submit(process: string): Promise<string> {
  const event = httpApiEvent({ method: 'POST', path: '/sluice/tasks', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ process, payload: {} }) }, 'platform');
  const reply = (await platform(event, lambdaContext(10_000))) as { statusCode: number; body: string };
  expect(reply.statusCode).toBe(202);
  return (JSON.parse(reply.body) as { taskId: string }).taskId;
}
const ids = (body: { items: Array<{ taskId: string }> }) => body.items.map((t) => t.taskId);
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeAll(async () => {
  stack = await createLambdaStack({ processes: [{ name: 'alpha', timeoutSeconds: 10 }, { name: 'beta', timeoutSeconds: 10 }], maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
  platform = stack.platformHandler();
  start = new Date().toISOString();
  for (let i = 0; i < 3; i++) first.push(await submit('alpha'));
  await pause();
  middle = new Date().toISOString();
  await pause();
  for (let i = 0; i < 2; i++) second.push(await submit(i === 0 ? 'alpha' : 'beta'));
});
afterAll(async () => {
  await stack?.destroy();
});

describe('the platform Lambda: task list filters and counts', () => {
  it('filters by trigger, since and until across processes, newest first, across pages', async () => {
    const all = [...first, ...second].reverse();
    expect(ids((await get('/sluice/tasks', { trigger: 'api', since: start })).body)).toEqual(all);
    expect(ids((await get('/sluice/tasks', { trigger: 'http', since: start })).body)).toEqual([]);
    expect(ids((await get('/sluice/tasks', { since: middle })).body)).toEqual([...second].reverse());
    expect(ids((await get('/sluice/tasks', { since: start, until: middle })).body)).toEqual([...first].reverse());
    expect(ids((await get('/sluice/tasks', { process: 'alpha', status: 'queued', trigger: 'api', since: start })).body)).toEqual(all.filter((id) => id !== second[1]));
    const page1 = await get('/sluice/tasks', { since: start, limit: '2' });
    const page2 = await get('/sluice/tasks', { since: start, limit: '2', cursor: page1.body.nextCursor });
    const page3 = await get('/sluice/tasks', { since: start, limit: '2', cursor: page2.body.nextCursor });
    expect([...ids(page1.body), ...ids(page2.body), ...ids(page3.body)]).toEqual(all);
  });

  it('refuses a bad trigger or instant with a 400 naming the parameter', async () => {
    for (const [name, value] of [['trigger', 'cron'], ['since', 'yesterday'], ['until', '2026-02-30T00:00:00Z']] as const) {
      const res = await get('/sluice/tasks', { [name]: value });
      expect(res.status, name).toBe(400);
      expect(res.body.issues).toEqual([expect.objectContaining({ path: name })]);
    }
  });

  it('counts by status per process, every status present, and refuses a window over 7 days', async () => {
    const zeros = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0]));
    const res = await get('/sluice/tasks/counts');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { process: 'alpha', counts: { ...zeros, queued: 4 } },
      { process: 'beta', counts: { ...zeros, queued: 1 } },
    ]);
    expect((await get('/sluice/tasks/counts', { process: 'beta', since: start, until: middle })).body).toEqual({ since: start, until: middle, items: [] });
    const wide = await get('/sluice/tasks/counts', { since: '2026-01-01T00:00:00Z', until: '2026-01-09T00:00:00Z' });
    expect(wide.status).toBe(400);
    expect(wide.body.issues).toEqual([expect.objectContaining({ path: 'since' })]);
    expect((await get('/sluice/tasks/counts', {}, 'DELETE')).status).toBe(405);
  });

  it('mounts no queue console: purging a queue is the SQS console\'s job (404)', async () => {
    expect((await get('/sluice/queues/any/purge', {}, 'POST')).status).toBe(404);
  });
});
