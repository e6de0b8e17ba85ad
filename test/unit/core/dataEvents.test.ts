import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../../lib/core/errors.js';
import { EmittedEvents } from '../../../lib/core/agents/DataEventAgent.js';
import type { DataEvent } from '../../../lib/core/events/DataEvent.js';
import { checkDataEvent, checkEventQuery, DATA_EVENT_LIMITS, DataEventRefusedError } from '../../../lib/core/events/dataEventRules.js';
import { assertLabelPattern, matchesSubscription, subscriptionId, type EventSubscription } from '../../../lib/core/events/EventSubscription.js';
import { eventTasks, eventTaskId } from '../../../lib/core/events/eventTasks.js';
import { LINEAGE_LIMITS, walkLineage } from '../../../lib/core/events/walkLineage.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { TaskRunner, type Delivery } from '../../../lib/core/runner/TaskRunner.js';
import { isNonRetriableError } from '../../../lib/core/errors.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { MemoryEventStore } from '../../../lib/testing/MemoryEventStore.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

const log = { debug() {}, info() {}, warn() {}, error() {}, log() {} };
const warnings: string[] = [];
const recordingLog = { ...log, warn: (message: string) => void warnings.push(message) };

let seq = 0;
function event(overrides: Partial<DataEvent> = {}): DataEvent {
  seq++;
  return {
    eventId: `e${String(seq).padStart(6, '0')}`,
    label: 'orders.loaded',
    source: 'a',
    target: 'b',
    sequence: 0,
    createdAt: new Date(Date.UTC(2026, 10, 29, 12, 0, 0, seq)).toISOString(),
    taskId: `t${seq}`,
    process: 'p',
    logic: 'l',
    attempt: 1,
    depth: 0,
    ...overrides,
  };
}

describe('checkDataEvent', () => {
  it('accepts a full event and copies meta as JSON', () => {
    const when = new Date('2026-11-29T00:00:00Z');
    expect(checkDataEvent({ label: 'x.y', source: 's3://b/k', target: 'pg://h/t', type: 'copy', meta: { when } }, 0)).toEqual({ label: 'x.y', source: 's3://b/k', target: 'pg://h/t', type: 'copy', meta: { when: '2026-11-29T00:00:00.000Z' } });
  });

  it.each([
    [null, 'event 0 must be an object'],
    [[], 'event 0 must be an object'],
    [{ source: 'a', target: 'b' }, 'event 0.label must be a non-empty string'],
    [{ label: '', source: 'a', target: 'b' }, 'event 0.label must be a non-empty string'],
    [{ label: 'a.*', source: 'a', target: 'b' }, "must not contain '*'"],
    [{ label: 'x', source: 'a\nb', target: 'b' }, 'event 0.source must not contain control'] ,
    [{ label: 'x', source: 'a', target: 'b'.repeat(1025) }, 'event 0.target is 1025 characters; at most 1024'],
    [{ label: 'x', source: 'a', target: 'b', colour: 'red' }, "unknown field 'colour'"],
    [{ label: 'x', source: 'a', target: 'b', meta: 'x'.repeat(32 * 1024) }, 'event 0.meta is 32770 bytes as JSON; at most 32768'],
    [{ label: 'x', source: 'a', target: 'b', meta: () => 1 }, 'event 0.meta is not JSON'],
    [{ label: 'x', source: 'a', target: 'b', type: 7 }, 'event 0.type must be a non-empty string'],
    [{ label: 'x\u202eevil', source: 'a', target: 'b' }, 'event 0.label must not contain control, separator or bidirectional characters'],
    [{ label: 'x', source: 'a\u0085', target: 'b' }, 'event 0.source must not contain control'],
    [{ label: 'x.\ud800', source: 'a', target: 'b' }, 'event 0.label is not well-formed Unicode'],
  ])('refuses invalid event %#, saying why', (input, message) => {
    const error = (() => {
      try {
        checkDataEvent(input, 0);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DataEventRefusedError);
    expect((error as Error).message).toContain(message);
    // A retry emits the same event: not retriable.
    expect(isNonRetriableError(error)).toBe(true);
  });

  it('normalises search times and refuses bad ones naming the field', () => {
    expect(checkEventQuery({ limit: 5, since: '2026-11-29T13:00:00+01:00' }).since).toBe('2026-11-29T12:00:00.000Z');
    expect(() => checkEventQuery({ limit: 5, until: 'tomorrow' })).toThrow(ValidationError);
    expect(() => checkEventQuery({ limit: 0 })).toThrow(ValidationError);
    expect(() => checkEventQuery({ limit: 5, since: '2026-02-30' })).toThrow(/not a day of the calendar/);
    expect(() => checkEventQuery({ limit: 5, since: '0000-01-01T00:00:00+14:00' })).toThrow(/outside the years 0000-9999/);
    expect(() => checkEventQuery({ limit: 5, since: '2026-01-02', until: '2026-01-01' })).toThrow(/until must not be before since/);
    expect(checkEventQuery({ limit: 5, since: '2028-02-29' }).since).toBe('2028-02-29T00:00:00.000Z');
  });
});

describe('ctx.events (EmittedEvents)', () => {
  const task = { taskId: 'task-1', process: 'p', attempt: 2, depth: 0 };

  it('stamps events in order, keeps all or none of a call, and stops at the per-task limit', async () => {
    const emitted = new EmittedEvents(task, { now: () => Date.parse('2026-11-29T12:00:00Z'), maxChainDepth: 16 });
    const agent = emitted.agentFor('land', log);
    const [first] = await agent.emit({ label: 'a', source: 's', target: 't' });
    expect(first).toMatchObject({ label: 'a', sequence: 0, taskId: 'task-1', process: 'p', logic: 'land', attempt: 2, depth: 0, createdAt: '2026-11-29T12:00:00.000Z' });
    await expect(agent.emit([{ label: 'b', source: 's', target: 't' }, { label: 'c', source: '', target: 't' }])).rejects.toThrow(/event 1.source/);
    expect(emitted.events.map((e) => e.label)).toEqual(['a']);
    await agent.emit(Array.from({ length: DATA_EVENT_LIMITS.eventsPerTask - 1 }, (_, i) => ({ label: `n${i}`, source: 's', target: 't' })));
    await expect(agent.emit({ label: 'one-too-many', source: 's', target: 't' })).rejects.toThrow(/at most 99 events/);
    expect(emitted.events).toHaveLength(DATA_EVENT_LIMITS.eventsPerTask);
    expect(emitted.events.map((e) => e.sequence)).toEqual(Array.from({ length: 99 }, (_, i) => i));
    // All in one millisecond, yet their ids sort in emission order: a store ordering by (createdAt, eventId) lists them by sequence.
    const ids = emitted.events.map((e) => e.eventId);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // What the logic holds is a copy: changing it changes nothing stored.
    first!.label = 'changed';
    expect(emitted.events[0]!.label).toBe('a');
  });

  it('searches its own task from what it emitted, pages it, and needs a store for the rest', async () => {
    const emitted = new EmittedEvents(task, { now: () => Date.now(), maxChainDepth: 16 });
    const agent = emitted.agentFor('land', log);
    await agent.emit([1, 2, 3].map((n) => ({ label: n === 2 ? 'odd.one' : 'x', source: 's', target: `t${n}` })));
    const page = await agent.search({ taskId: 'task-1', limit: 2 });
    expect(page.items.map((e) => e.target)).toEqual(['t3', 't2']);
    expect((await agent.search({ taskId: 'task-1', limit: 2, cursor: page.nextCursor })).items.map((e) => e.target)).toEqual(['t1']);
    expect((await agent.search({ taskId: 'task-1', label: 'odd.one' })).items.map((e) => e.target)).toEqual(['t2']);
    await expect(agent.search({ label: 'x' })).rejects.toThrow(ConfigError);
    // A misspelt filter would match everything: refused.
    await expect(agent.search({ lable: 'x' } as never)).rejects.toThrow(/unknown filter 'lable'/);
    await expect(agent.search({ label: null } as never)).rejects.toThrow(/label must be a string/);
  });

  it('warns once, in the task log, when the task is at the chain depth limit', async () => {
    warnings.length = 0;
    const emitted = new EmittedEvents({ ...task, depth: 3 }, { now: () => Date.now(), maxChainDepth: 3 });
    const agent = emitted.agentFor('l', recordingLog);
    await agent.emit({ label: 'a', source: 's', target: 't' });
    await agent.emit({ label: 'b', source: 's', target: 't' });
    expect(warnings).toEqual([expect.stringContaining('chain depth 3, the limit')]);
  });
});

describe('subscriptions', () => {
  const sub = (label: string, extra: Partial<EventSubscription> = {}): EventSubscription => ({ id: subscriptionId('p', { label, ...extra }), process: 'p', label, ...extra });

  it('match an exact label, a prefix pattern, everything, and the source/target filters', () => {
    expect(matchesSubscription(sub('orders.loaded'), event())).toBe(true);
    expect(matchesSubscription(sub('orders.loaded'), event({ label: 'orders.loaded.late' }))).toBe(false);
    expect(matchesSubscription(sub('orders.*'), event({ label: 'orders.x.y' }))).toBe(true);
    expect(matchesSubscription(sub('orders.*'), event({ label: 'orders' }))).toBe(false);
    expect(matchesSubscription(sub('orders.*'), event({ label: 'ordersX.y' }))).toBe(false);
    expect(matchesSubscription(sub('*'), event({ label: 'anything' }))).toBe(true);
    expect(matchesSubscription(sub('*', { target: 'b' }), event())).toBe(true);
    expect(matchesSubscription(sub('*', { source: 'z' }), event())).toBe(false);
  });

  it('refuse patterns that are not an exact label, prefix.* or *', () => {
    for (const bad of ['', 'a*', '*.a', 'a.*.b', 'a..*x', 7, 'x'.repeat(257)]) expect(() => assertLabelPattern(bad, 'place'), String(bad)).toThrow(ConfigError);
    for (const good of ['a', 'a.b', 'a.*', '*']) expect(() => assertLabelPattern(good, 'place')).not.toThrow();
  });

  it('make one task per matching subscription, with an id that only the event and the subscription decide', () => {
    const e = event({ depth: 2 });
    const subscribers = [{ subscription: sub('orders.*'), queue: 'q1' }, { subscription: sub('other'), queue: 'q2' }, { subscription: sub('*', { source: 'a' }), queue: 'q3' }];
    const tasks = eventTasks(e, subscribers, { nowMs: Date.now(), retentionSeconds: 60, maxChainDepth: 16 });
    expect(tasks.map((t) => t.queue)).toEqual(['q1', 'q3']);
    expect(tasks[0]!.record).toMatchObject({ status: 'queued', process: 'p', trigger: { type: 'event', eventId: e.eventId, depth: 3 } });
    expect(tasks[0]!.envelope.payload).toEqual({ type: 'event', subscription: subscribers[0]!.subscription.id, event: e });
    const again = eventTasks(e, subscribers, { nowMs: Date.now() + 5000, retentionSeconds: 60, maxChainDepth: 16 });
    expect(again.map((t) => t.record.taskId)).toEqual(tasks.map((t) => t.record.taskId));
    expect(tasks[0]!.record.taskId).toBe(eventTaskId(e.eventId, e.createdAt, subscribers[0]!.subscription.id));
    expect(tasks[0]!.record.taskId).not.toBe(tasks[1]!.record.taskId);
  });

  it('start nothing past the chain depth limit', () => {
    const subscribers = [{ subscription: sub('*'), queue: 'q' }];
    expect(eventTasks(event({ depth: 15 }), subscribers, { nowMs: 0, retentionSeconds: 60, maxChainDepth: 16 })).toHaveLength(1);
    expect(eventTasks(event({ depth: 16 }), subscribers, { nowMs: 0, retentionSeconds: 60, maxChainDepth: 16 })).toEqual([]);
  });
});

describe('walkLineage', () => {
  async function storeOf(edges: Array<[string, string]>): Promise<MemoryEventStore> {
    const store = new MemoryEventStore();
    store.publish(edges.map(([source, target]) => event({ source, target })), Math.floor(Date.now() / 1000) + 3600);
    return store;
  }

  it('walks upstream, downstream and both, to the asked depth, through cycles', async () => {
    // raw → staged → mart → report, plus a sibling staged → other and a cycle report → raw.
    const store = await storeOf([['raw', 'staged'], ['staged', 'mart'], ['mart', 'report'], ['staged', 'other'], ['report', 'raw']]);
    const up = await walkLineage(store, { node: 'mart', direction: 'upstream', depth: 2 });
    expect(up.nodes.map((n) => n.id).sort()).toEqual(['mart', 'raw', 'staged']);
    expect(up.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(['raw>staged', 'staged>mart']);
    const down = await walkLineage(store, { node: 'mart', direction: 'downstream', depth: 1 });
    expect(down.edges.map((e) => `${e.source}>${e.target}`)).toEqual(['mart>report']);
    const both = await walkLineage(store, { node: 'mart', direction: 'both', depth: 1 });
    // Not the sibling: staged → other is neither what fed mart nor what mart fed.
    expect(both.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(['mart>report', 'staged>mart']);
    const all = await walkLineage(store, { node: 'mart', direction: 'downstream', depth: 10 });
    // Every edge downstream of mart, each once, the cycle back into mart included; the walk ends there.
    expect(all.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(['mart>report', 'raw>staged', 'report>raw', 'staged>mart', 'staged>other']);
  });

  it('says truncated instead of walking a node with more edges than the cap', async () => {
    const store = await storeOf(Array.from({ length: LINEAGE_LIMITS.edgesPerNode + 5 }, (_, i) => [`src${i}`, 'hub'] as [string, string]));
    const graph = await walkLineage(store, { node: 'hub', direction: 'upstream', depth: 1 });
    expect(graph.truncated).toBe(true);
    expect(graph.edges).toHaveLength(LINEAGE_LIMITS.edgesPerNode);
  });
});

describe('TaskRunner publishes an attempt\'s events only when it is final', () => {
  const process: RunnableProcess = {
    name: 'p',
    timeoutMs: 5000,
    definition: buildProcessDefinition({
      logics: [
        {
          name: 'emit',
          async run(ctx) {
            await ctx.events.emit({ label: 'x', source: 's', target: `attempt-${ctx.task.attempt}` });
            if ((ctx.input as { fail?: boolean }).fail) throw new Error('fails');
          },
          async handleError(ctx) {
            await ctx.events.emit({ label: 'x.failed', source: 's', target: 'dead' });
          },
        },
      ],
      aggregator: { name: 'agg', run: () => 'ok' },
    }),
  };
  const delivery = (taskId: string, receiveCount: number, fail: boolean): Delivery => ({
    taskId,
    trigger: { type: 'api' },
    payload: { type: 'api', body: { fail } },
    createdAt: new Date().toISOString(),
    receiveCount,
    maxAttempts: 2,
  });

  it('a retried attempt publishes nothing; the last one publishes its events and those of handleError', async () => {
    const clock = new ManualClock(Date.now());
    const store = new MemoryTaskStore(clock);
    const runner = new TaskRunner({ store, clock, retentionSeconds: 3600, trackRunning: false });
    expect((await runner.deliver(process, delivery('t-retry', 1, true))).decision).toBe('retry');
    expect((await store.events.search({ limit: 10 })).items).toEqual([]);
    expect((await runner.deliver(process, delivery('t-retry', 2, true))).decision).toBe('dead-letter');
    const published = (await store.events.search({ taskId: 't-retry', limit: 10 })).items;
    expect(published.map((e) => [e.label, e.target, e.attempt, e.sequence]).sort()).toEqual([
      ['x', 'attempt-2', 2, 0],
      ['x.failed', 'dead', 2, 1],
    ]);
    // A duplicate delivery of the finished task publishes nothing more.
    await runner.deliver(process, delivery('t-retry', 3, true));
    expect((await store.events.search({ taskId: 't-retry', limit: 10 })).items).toHaveLength(2);
  });

  it('a synchronous task publishes with its single write', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: new ManualClock(Date.now()), retentionSeconds: 3600, trackRunning: false });
    await runner.runSync(process, { taskId: 't-sync', trigger: { type: 'api' }, payload: { type: 'api', body: {} }, input: {} });
    expect((await store.events.search({ taskId: 't-sync', limit: 10 })).items.map((e) => e.target)).toEqual(['attempt-1']);
  });
});
