/**
 * The process function invoked by EventBridge schedules (asynchronous
 * invocations: Lambda retries a throw twice), on DynamoDB Local.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { ScheduleSummary } from '../../../lib/aws/lambda/handleScheduleEvent.js';
import { ScheduledTaskRetryError } from '../../../lib/aws/lambda/handleScheduleEvent.js';
import type { LambdaHandler } from '../../../lib/aws/lambda/processHandler.js';
import { scheduleTaskId } from '../../../lib/core/task/taskIds.js';
import { defineProcess } from '../../../lib/index.js';
import { lambdaContext, scheduledEvent, sluiceScheduleEvent } from './lambdaEvents.js';
import { createLambdaStack, type LambdaStack } from './lambdaStack.js';

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

beforeAll(async () => {
  stack = await createLambdaStack({
    processes: [{ name: 'rollup', timeoutSeconds: 10, schedules: [{ rule: 'rollup-schedule-1', expression: 'cron(0 2 * * ? *)', enabled: true, overlap: 'skip' }] }],
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
  });
  handler = stack.processHandler(rollup.definition);
});
afterAll(async () => {
  await stack?.destroy();
});
beforeEach(() => stack.counter.reset());

describe('scheduled tasks', () => {
  it("stores one task per firing of the plugin's schedule event, with one GetItem and one PutItem", async () => {
    const summary = (await handler(sluiceScheduleEvent('rollup-schedule-1', '2026-11-27T02:00:00Z', { day: '2026-11-26' }), lambdaContext())) as ScheduleSummary;

    // The id the embedded runtime gives the same firing (its times carry milliseconds).
    const taskId = scheduleTaskId('rollup', 'rollup-schedule-1', '2026-11-27T02:00:00.000Z');
    expect(summary).toEqual({ taskId, status: 'succeeded', ran: true });
    expect(stack.counter.snapshot().requests).toEqual({ 'DynamoDB.GetItem': 1, 'DynamoDB.PutItem': 1 });
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

  it('fails a firing whose input the schema rejects without retrying it', async () => {
    const summary = (await handler(sluiceScheduleEvent('rollup-schedule-1', '2026-11-30T02:00:00Z', { day: 7 }), lambdaContext())) as ScheduleSummary;
    expect(summary.status).toBe('failed');
    expect(await stack.store.get(summary.taskId)).toMatchObject({ error: { kind: 'validation' } });
  });

  it('rejects a schedule event without a usable time', async () => {
    await expect(handler({ sluiceSchedule: { rule: 'rollup-schedule-1', time: 'yesterday' } }, lambdaContext())).rejects.toThrow(/malformed Sluice schedule event/);
  });
});
