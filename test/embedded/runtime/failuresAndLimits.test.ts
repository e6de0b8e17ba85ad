/**
 * How tasks fail on the embedded runtime, through its HTTP server and queue
 * consumers: non-retriable subclasses, a throwing handleError, results too
 * large to store (the same limit as DynamoDB), and stored stacks without the
 * machine's paths. The AWS twin: test/aws/lambda/failuresAndLimits.test.ts.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { MAX_TASK_RECORD_BYTES } from '../../../lib/core/task/storedRecordSize.js';
import { eventually } from '../../helpers/time.js';
import { DEMO_SHOP_CONFIG, startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/errors/serverless.yml');
const REPO = resolve(import.meta.dirname, '../../..');

async function submit(h: Harness, process: string, payload: unknown): Promise<string> {
  const reply = await h.call('/sluice/tasks', { method: 'POST', json: { process, payload } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return reply.body.taskId as string;
}

/** The dead-letter queue's message of `taskId` (the envelope names its task). */
async function deadLetterOf(h: Harness, suffix: string, taskId: string) {
  const queues = (await h.call('/sluice/queues')).body.items as Array<{ name: string }>;
  const dlq = queues.find((q) => q.name.endsWith(suffix))!;
  expect(dlq, `a queue named *${suffix}`).toBeDefined();
  return eventually(async () => {
    const page = await h.call(`/sluice/queues/${dlq.name}/messages?limit=100`);
    return (page.body.items as Array<{ body: string }>).find((m) => m.body.includes(taskId));
  }, { what: `dead letter of ${taskId}` });
}

/** Nothing the runtime stores about a task's error may show where the repository lies. */
function expectNoMachinePaths(record: TaskRecord): void {
  const stored = JSON.stringify(record);
  expect(stored).not.toContain(REPO);
  expect(stored).not.toContain('file://');
}

describe('embedded runtime: how tasks fail', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ configPath: CONFIG });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fails a queued task at once when its logic throws a NonRetriableError subclass, and dead-letters it', async () => {
    const taskId = await submit(h, 'gone', {});
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'logic', name: 'RecordGone', message: 'record r-1 is gone' } });
    await deadLetterOf(h, 'gone-dlq', taskId);
  });

  it('stores the stack relative to the service directory, with no absolute path of this machine', async () => {
    const reply = await h.call('/gone', { method: 'POST', json: {} });
    expect(reply.status).toBe(500);
    const task = await h.task(reply.headers.get('x-sluice-task-id')!);
    expect(task.error?.stack).toMatch(/^RecordGone: record r-1 is gone\n/);
    // The frame of the process's own file, relative to the directory of serverless.yml.
    expect(task.error?.stack).toMatch(/\(functions\/gone\.ts:\d+:\d+\)/);
    expectNoMachinePaths(task);
  });

  it('ends a task whose handleError throws as a system error at once: one attempt, no later logic, dead-lettered', async () => {
    const taskId = await submit(h, 'handler-throws', {});
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system', logic: 'load' } });
    expect(task.error?.message).toMatch(/handleError of logic 'load' threw: compensation failed too \(while handling: warehouse rejected the batch\)/);
    expect(task.logs.filter((l) => l.message.startsWith('attempt '))).toHaveLength(1);
    expectNoMachinePaths(task);
    await deadLetterOf(h, 'handler-throws-dlq', taskId);
    // Never delivered again.
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.task(taskId)).attempts).toBe(1);
  });

  it('answers 500 with the system error for a sync route whose handleError throws', async () => {
    const reply = await h.call('/handler-throws', { method: 'POST', json: {} });
    expect(reply.status).toBe(500);
    expect(reply.body.error).toMatchObject({ kind: 'system', logic: 'load' });
    expect(reply.body.error).not.toHaveProperty('stack');
  });

  it('stores a result just under the limit', async () => {
    const reply = await h.call('/big-result', { method: 'POST', json: { bytes: MAX_TASK_RECORD_BYTES - 8 * 1024 } });
    expect(reply.status).toBe(200);
    expect((reply.body.blob as string).length).toBe(MAX_TASK_RECORD_BYTES - 8 * 1024);
  });

  it('answers a sync result too large for DynamoDB (50 MB) with 500 ResultTooLarge, as on AWS', async () => {
    const reply = await h.call('/big-result', { method: 'POST', json: { bytes: 50 * 1024 * 1024 } });
    expect(reply.status).toBe(500);
    expect(reply.body.error).toMatchObject({ kind: 'system', name: 'ResultTooLarge' });
    const task = await h.task(reply.headers.get('x-sluice-task-id')!);
    expect(task).toMatchObject({ status: 'failed', error: { name: 'ResultTooLarge' } });
    expect(task).not.toHaveProperty('result');
  });

  it('fails a queued task whose result is too large as ResultTooLarge after one attempt, and dead-letters it', async () => {
    const taskId = await submit(h, 'big-result', { bytes: 1024 * 1024 });
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system', name: 'ResultTooLarge' } });
    await deadLetterOf(h, 'big-result-dlq', taskId);
  });
});

describe('embedded runtime: the demo shop customer-sync', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ configPath: DEMO_SHOP_CONFIG });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('submitted async with {} fails after one attempt (CustomerNotFound extends NonRetriableError) and is dead-lettered', async () => {
    const taskId = await submit(h, 'customer-sync', {});
    const task = await h.waitForTask(taskId);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'logic', name: 'CustomerNotFound', logic: 'extract' } });
    expectNoMachinePaths(task);
    await deadLetterOf(h, 'customer-sync-dlq', taskId);
  });
});
