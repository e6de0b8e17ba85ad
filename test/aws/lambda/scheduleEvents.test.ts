/**
 * The process function invoked by EventBridge schedules (asynchronous
 * invocations: Lambda retries a throw twice), on DynamoDB Local.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { ScheduleSummary } from '../../../lib/aws/lambda/handleScheduleEvent.js';
import { ScheduledTaskRetryError } from '../../../lib/aws/lambda/handleScheduleEvent.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { scheduleTaskId } from '../../../lib/core/task/taskIds.js';
import { defineProcess } from '../../../lib/index.js';
import { lambdaContext, scheduledEvent, sluiceScheduleEvent } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoScheduleOverlap } from '../../../lib/aws/DynamoScheduleOverlap.js';
import { eventually } from '../../helpers/time.js';

const runs: string[] = [];

const rollup = defineProcess({
  name: 'rollup',
  input: z.strictObject({ day: z.string().optional(), fail: z.boolean().optional() }).nullish(),
  logics: [
    {
      name: 'extract',
      run(ctx) {
        runs.push(ctx.task.id);
        if (ctx.input?.fail) throw new Error('source offline');
      },
    },
  ],
  aggregator: {
    name: 'publish',
    run: (ctx) => ({ payload: ctx.payload, attempt: ctx.task.attempt }),
  },
});

let stack: LambdaStack;
let handler: LambdaHandler;
let slowHandler: LambdaHandler;

/** A slow task: its logic waits until the test opens the gate. */
let openGate: () => void = () => {};
let gate = Promise.resolve();
const slow = defineProcess({
  name: 'slow',
  logics: [{ name: 'wait', run: () => gate }],
  aggregator: { name: 'done', run: () => ({ ok: true }) },
});
const closeGate = () => {
  gate = new Promise<void>((resolve) => (openGate = resolve));
};

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [
      { name: 'rollup', timeoutSeconds: 10, schedules: [{ rule: 'rollup-schedule-1', expression: 'cron(0 2 * * ? *)', enabled: true, overlap: 'skip' }] },
      { name: 'slow', timeoutSeconds: 60, schedules: [{ rule: 'slow-schedule-1', expression: 'rate(1 minute)', enabled: true, overlap: 'skip' }] },
    ],
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
  });
  handler = stack.processHandler(rollup.definition);
  slowHandler = stack.processHandler(slow.definition);
});
afterAll(async () => {
  await stack?.destroy();
});
beforeEach(() => stack.counter.reset());

describe('scheduled tasks', () => {
  it("stores one task per firing of the plugin's schedule event: the overlap pointer's GetItem and PutItem, the task's GetItem and PutItem", async () => {
    const summary = (await handler(sluiceScheduleEvent('rollup-schedule-1', '2026-11-27T02:00:00Z', { day: '2026-11-26' }), lambdaContext())) as ScheduleSummary;

    // The id the embedded runtime gives the same firing (its times carry milliseconds).
    const taskId = scheduleTaskId('rollup', 'rollup-schedule-1', '2026-11-27T02:00:00.000Z');
    expect(summary).toEqual({ taskId, status: 'succeeded', ran: true });
    // The default overlap policy (skip) reads and claims the rule's pointer item; there is no previous task to read yet.
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.GetItem': 2, 'DynamoDB.PutItem': 2 });
    const stored = await stack.store.get(taskId);
    expect(stored).toMatchObject({
      process: 'rollup',
      status: 'succeeded',
      attempts: 1,
      trigger: { type: 'schedule', rule: 'rollup-schedule-1', scheduledTime: '2026-11-27T02:00:00.000Z' },
    });
    expect(stored!.result).toEqual({
      payload: { type: 'schedule', rule: 'rollup-schedule-1', scheduledTime: '2026-11-27T02:00:00.000Z', input: { day: '2026-11-26' } },
      attempt: 1,
    });

    // EventBridge may deliver a firing twice: the second finds the task and runs nothing.
    const again = (await handler(sluiceScheduleEvent('rollup-schedule-1', '2026-11-27T02:00:00Z', { day: '2026-11-26' }), lambdaContext())) as ScheduleSummary;
    expect(again).toEqual({ taskId, status: 'succeeded', ran: false });
    expect(runs.filter((id) => id === taskId)).toHaveLength(1);
  });

  it("takes the rule name from a bare Scheduled Event's resource ARN", async () => {
    const summary = (await handler(scheduledEvent('nightly-rollup', '2026-11-28T02:00:00Z'), lambdaContext())) as ScheduleSummary;
    expect(summary.taskId).toBe(scheduleTaskId('rollup', 'nightly-rollup', '2026-11-28T02:00:00.000Z'));
    expect(await stack.store.get(summary.taskId)).toMatchObject({
      status: 'succeeded',
      trigger: { type: 'schedule', rule: 'nightly-rollup', scheduledTime: '2026-11-28T02:00:00.000Z' },
    });
  });

  it("throws for Lambda's retry while attempts remain, then records the final failure and returns", async () => {
    const event = sluiceScheduleEvent('rollup-schedule-1', '2026-11-29T02:00:00Z', { fail: true });
    const taskId = scheduleTaskId('rollup', 'rollup-schedule-1', '2026-11-29T02:00:00.000Z');

    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(ScheduledTaskRetryError);
    expect(await stack.store.get(taskId)).toMatchObject({ status: 'queued', attempts: 1, error: { message: 'source offline' } });
    await expect(handler(event, lambdaContext())).rejects.toThrow(/attempt 2 of 3/);

    const last = (await handler(event, lambdaContext())) as ScheduleSummary;
    expect(last).toEqual({ taskId, status: 'failed', ran: true });
    expect(await stack.store.get(taskId)).toMatchObject({ status: 'failed', attempts: 3 });

    // A late duplicate of the same firing runs nothing more.
    expect(await handler(event, lambdaContext())).toEqual({ taskId, status: 'failed', ran: false });
    expect(runs.filter((id) => id === taskId)).toHaveLength(3);
  });

  it('fails a firing whose input the schema rejects without retrying it, with one structured log line (issue 7, item 8)', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const summary = (await handler(sluiceScheduleEvent('rollup-schedule-1', '2026-11-30T02:00:00Z', { day: 7 }), lambdaContext())) as ScheduleSummary;
    expect(summary).toMatchObject({ status: 'failed' });
    expect(await stack.store.get(summary.taskId)).toMatchObject({ error: { kind: 'validation' } });
    const lines = errors.mock.calls.map((call) => String(call[0])).filter((line) => line.includes(summary.taskId));
    errors.mockRestore();
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: 'ERROR', message: 'task failed', taskId: summary.taskId, process: 'rollup', status: 'failed', attempts: 1, trigger: 'schedule', error: expect.objectContaining({ kind: 'validation' }) },
    ]);
  });

  it('records a schedule firing it cannot read, once, instead of failing every retry and losing it (issue 7, item 3)', async () => {
    const unreadable = { sluiceSchedule: { rule: 'x'.repeat(70), time: 'yesterday' } };
    const first = (await handler(unreadable, lambdaContext())) as { taskId: string; ran: boolean };
    expect(first.ran).toBe(false);
    expect(await stack.store.get(first.taskId)).toMatchObject({
      status: 'failed',
      trigger: { type: 'schedule', rule: '(unreadable)' },
      error: { kind: 'system', name: 'MalformedScheduleEvent', message: expect.stringContaining('malformed Sluice schedule event') },
    });
    // Lambda's retry of the same event finds the same record.
    expect(((await handler(unreadable, lambdaContext())) as { taskId: string }).taskId).toBe(first.taskId);
    // An event that is no schedule at all still fails loudly.
    await expect(handler({ hello: 'world' }, lambdaContext())).rejects.toThrow(/unsupported Lambda event/);
  });
});

describe('overlap on AWS (the rule\'s pointer item in the task table)', () => {
  const firing = (time: string, overlap?: string) => {
    const event = sluiceScheduleEvent('slow-schedule-1', time) as { sluiceSchedule: Record<string, unknown> };
    if (overlap) event.sluiceSchedule.overlap = overlap;
    return event;
  };
  const overlapOf = () =>
    new DynamoScheduleOverlap({ client: stack.dynamo, tableName: stack.tableName, statusOf: async (id) => (await stack.store.get(id))?.status, inFlightMs: 60_000 });

  it('skip: a firing while the previous task runs creates no task, is logged and recorded on the pointer; the next one after it finished runs', async () => {
    closeGate();
    const first = slowHandler(firing('2026-12-01T10:00:00Z'), lambdaContext());
    // The first firing is admitted (pointer written) before its task runs; its record is written when it ends.
    const firstId = scheduleTaskId('slow', 'slow-schedule-1', '2026-12-01T10:00:00.000Z');
    await eventually(
      async () => {
        const { Item } = await stack.dynamo.send(new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: 'schedule#slow#slow-schedule-1' } }, ConsistentRead: true }));
        return Item?.lastTaskId?.S === firstId;
      },
      { what: 'the first firing admitted' },
    );
    const second = (await slowHandler(firing('2026-12-01T10:01:00Z'), lambdaContext())) as ScheduleSummary;
    const secondId = scheduleTaskId('slow', 'slow-schedule-1', '2026-12-01T10:01:00.000Z');
    expect(second).toEqual({ taskId: secondId, skipped: expect.stringMatching(/^the previous task [\w-]{30} is still running$/), ran: false });
    expect(await stack.store.get(secondId)).toBeUndefined();
    openGate();
    expect(await first).toMatchObject({ status: 'succeeded', ran: true });

    const third = (await slowHandler(firing('2026-12-01T10:02:00Z'), lambdaContext())) as ScheduleSummary;
    expect(third).toMatchObject({ status: 'succeeded', ran: true });
    const skipped = await overlapOf().skipped('slow', 'slow-schedule-1');
    expect(skipped).toEqual([{ due: '2026-12-01T10:01:00.000Z', at: expect.any(String), reason: second.ran ? '' : (second as { skipped: string }).skipped }]);
  });

  it('allow: fires while the previous task runs, without touching the pointer', async () => {
    closeGate();
    const first = slowHandler(firing('2026-12-02T10:00:00Z', 'allow'), lambdaContext());
    stack.counter.reset();
    openGate();
    const second = (await slowHandler(firing('2026-12-02T10:01:00Z', 'allow'), lambdaContext())) as ScheduleSummary;
    expect(second).toMatchObject({ status: 'succeeded', ran: true });
    await first;
    // Each task's one final write, and no write of the pointer.
    expect(stack.counter.snapshot().requests['DynamoDB.PutItem']).toBe(2);
  });

  it('two concurrent firings of one rule: the conditional write lets exactly one through', async () => {
    closeGate();
    const overlap = overlapOf();
    const results = await Promise.all(
      ['2026-12-03T10:00:00Z', '2026-12-03T10:01:00Z', '2026-12-03T10:02:00Z'].map((time) =>
        overlap.admit('slow', 'race-rule', 'skip', scheduleTaskId('slow', 'race-rule', new Date(time).toISOString()), Date.parse(time), Date.now()),
      ),
    );
    openGate();
    expect(results.filter((r) => r.admitted)).toHaveLength(1);
  });
});
