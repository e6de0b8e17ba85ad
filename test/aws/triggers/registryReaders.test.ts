/**
 * The two AWS readers of the trigger registry besides the platform
 * function, on DynamoDB Local: the event dispatcher's subscriptions
 * (`RegistrySubscribers`: static unless paused, runtime unless paused, a
 * 30 s cache per container) and a schedule firing's say
 * (`ScheduleTriggerState`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTriggerRegistry } from '../../../lib/aws/DynamoTriggerRegistry.js';
import { RegistrySubscribers, SUBSCRIBERS_CACHE_MS } from '../../../lib/aws/triggers/RegistrySubscribers.js';
import { ScheduleTriggerState } from '../../../lib/aws/triggers/ScheduleTriggerState.js';
import type { Subscriber } from '../../../lib/core/events/eventTasks.js';
import type { TriggerRecord } from '../../../lib/core/triggers/TriggerRecord.js';
import { staticTriggerId, type StaticTrigger } from '../../../lib/core/triggers/TriggerService.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { createTriggerTable, deleteTable } from '../../setup/awsResources.js';
import { createDynamoClient, uniqueName } from '../awsTestEnv.js';

const client = createDynamoClient();
let registry: DynamoTriggerRegistry;
let tableName: string;

beforeAll(async () => {
  tableName = uniqueName('trigger-readers');
  await createTriggerTable(client, tableName);
  registry = new DynamoTriggerRegistry({ client, tableName });
});
afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
});

let version = 0;
async function write(record: Omit<TriggerRecord, 'version' | 'updatedAt'>, previous = 0): Promise<TriggerRecord> {
  const full: TriggerRecord = { ...record, updatedAt: `2026-11-29T12:00:${String(version++ % 60).padStart(2, '0')}.000Z`, version: previous + 1 };
  expect(await registry.put(full, { triggerId: full.triggerId, at: full.updatedAt!, actor: 'test', action: previous === 0 ? 'create' : 'update', after: full }, previous)).toEqual({ written: true });
  return full;
}

describe('RegistrySubscribers', () => {
  it('merges static and runtime subscriptions, leaves out paused ones and processes without a task queue, and re-reads after its cache', async () => {
    const staticSub: Subscriber = { subscription: { id: 'rollup:orders.*::', process: 'rollup', label: 'orders.*' }, queue: 'q-rollup' };
    const staticOther: Subscriber = { subscription: { id: 'audit:*::', process: 'audit', label: '*' }, queue: 'q-audit' };
    const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
    const subscribers = new RegistrySubscribers({ registry, statics: [staticSub, staticOther], taskQueues: { rollup: 'q-rollup', audit: 'q-audit', billing: 'q-billing' }, clock });

    // The static 'audit' subscription is paused (a registry record under its static id).
    const auditId = staticTriggerId('audit', { kind: 'event', label: '*' });
    await write({ triggerId: auditId, process: 'audit', source: 'static', spec: { kind: 'event', label: '*' }, paused: true });
    const runtime = await write({ triggerId: 'trg_readersEvent0001', process: 'billing', source: 'runtime', spec: { kind: 'event', label: 'invoices.*', source: 's3://in/x' }, paused: false, createdAt: '2026-11-29T12:00:00.000Z' });
    await write({ triggerId: 'trg_readersEvent0002', process: 'billing', source: 'runtime', spec: { kind: 'event', label: 'paused.*' }, paused: true, createdAt: '2026-11-29T12:00:00.000Z' });
    await write({ triggerId: 'trg_readersEvent0003', process: 'webhook', source: 'runtime', spec: { kind: 'event', label: 'x' }, paused: false, createdAt: '2026-11-29T12:00:00.000Z' });

    expect(await subscribers.current()).toEqual([staticSub, { subscription: { id: 'billing:invoices.*:s3%3A%2F%2Fin%2Fx:', process: 'billing', label: 'invoices.*', source: 's3://in/x' }, queue: 'q-billing' }]);

    // Paused now: a warm container keeps what it read for 30 s, then reads again.
    await write({ ...runtime, paused: true }, runtime.version);
    clock.advance(SUBSCRIBERS_CACHE_MS - 1);
    expect((await subscribers.current()).map((s) => s.subscription.process)).toEqual(['rollup', 'billing']);
    clock.advance(1);
    expect((await subscribers.current()).map((s) => s.subscription.process)).toEqual(['rollup']);
  });
});

describe('ScheduleTriggerState', () => {
  const nightly: StaticTrigger = { process: 'orders', spec: { kind: 'schedule', expression: 'cron(0 2 * * ? *)', overlap: 'skip' }, rule: 'orders-nightly' };
  const state = () => new ScheduleTriggerState(registry, [nightly, { process: 'orders', spec: { kind: 'queue', queue: 'inbox', batchSize: 10, maximumBatchingWindow: 0 } }]);

  it('runs a static schedule never paused, skips it while paused', async () => {
    expect(await state().skipReason('orders', 'orders-nightly')).toBeUndefined();
    const id = staticTriggerId('orders', nightly.spec);
    const paused = await write({ triggerId: id, process: 'orders', source: 'static', spec: nightly.spec, paused: true });
    expect(await state().skipReason('orders', 'orders-nightly')).toBe(`its trigger ${id} is paused`);
    await write({ ...paused, paused: false }, paused.version);
    expect(await state().skipReason('orders', 'orders-nightly')).toBeUndefined();
  });

  it('skips a runtime schedule\'s firing once its trigger is paused or deleted (or is another process\'s), and runs a rule the registry does not know', async () => {
    const spec = { kind: 'schedule' as const, expression: 'rate(5 minutes)', overlap: 'skip' as const };
    const rt = await write({ triggerId: 'trg_readersSched0001', process: 'orders', source: 'runtime', spec, paused: false, createdAt: '2026-11-29T12:00:00.000Z' });
    expect(await state().skipReason('orders', rt.triggerId)).toBeUndefined();
    expect(await state().skipReason('billing', rt.triggerId)).toBe(`its trigger ${rt.triggerId} is deleted`);
    await write({ ...rt, paused: true }, rt.version);
    expect(await state().skipReason('orders', rt.triggerId)).toBe(`its trigger ${rt.triggerId} is paused`);
    expect(await state().skipReason('orders', 'trg_readersNeverThere')).toBe('its trigger trg_readersNeverThere is deleted');
    expect(await state().skipReason('orders', 'some-eventbridge-rule')).toBeUndefined();
  });
});
