import { describe, expect, it } from 'vitest';
import type { ExecutionOutcome, TaskInvocation } from '../../../lib/core/execution/executeTask.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import type { TaskExecutionOptions, TaskExecutor } from '../../../lib/core/ports/TaskExecutor.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { TaskRunner } from '../../../lib/core/runner/TaskRunner.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

const process: RunnableProcess = {
  name: 'demo',
  timeoutMs: 4000,
  definition: buildProcessDefinition({ logics: [{ name: 'work', run: () => undefined }], aggregator: { name: 'agg', run: () => 'ran in process' } }),
};

/** An executor that ends every task as a worker crash would, recording what it was asked. */
class CrashingExecutor implements TaskExecutor {
  calls: Array<{ invocation: TaskInvocation; options: TaskExecutionOptions }> = [];
  async execute(_process: RunnableProcess, invocation: TaskInvocation, options: TaskExecutionOptions): Promise<ExecutionOutcome> {
    this.calls.push({ invocation, options });
    const now = new Date().toISOString();
    return { status: 'failed', error: { kind: 'system', name: 'WorkerTerminated', message: 'gone' }, retriable: true, startedAt: now, finishedAt: now, logs: [], events: [], response: { headers: {} } };
  }
}

describe('TaskRunner runs process code through its TaskExecutor', () => {
  it('runs in process by default', async () => {
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 60, trackRunning: false });
    const { record } = await runner.runSync(process, { taskId: 't-1', trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} });
    expect(record).toMatchObject({ status: 'succeeded', result: 'ran in process' });
  });

  it('hands the invocation and the timeout (bounded by the host deadline) to the given executor, and retries its retriable failures', async () => {
    const executor = new CrashingExecutor();
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 60, trackRunning: false, executor, deadlineMarginMs: 0 });
    const result = await runner.deliver(process, {
      taskId: 't-2',
      trigger: { type: 'api' },
      payload: { type: 'api', body: { n: 1 } },
      createdAt: new Date().toISOString(),
      receiveCount: 1,
      maxAttempts: 3,
      deadlineMs: Date.now() + 60_000,
    });
    expect(result.decision).toBe('retry');
    expect(result.record).toMatchObject({ status: 'queued', error: { name: 'WorkerTerminated' } });
    expect(executor.calls).toHaveLength(1);
    expect(executor.calls[0]!.invocation).toMatchObject({ taskId: 't-2', process: 'demo', attempt: 1, input: { n: 1 } });
    expect(executor.calls[0]!.options.timeoutMs).toBe(4000);
  });
});
