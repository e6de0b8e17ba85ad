import { describe, expect, it } from 'vitest';
import { datasetOf } from '../../../../lib/core/openlineage/datasetOf.js';
import { RUN_EVENT_SCHEMA_URL, type OpenLineageRunEvent } from '../../../../lib/core/openlineage/OpenLineageRunEvent.js';
import { runEventsOf } from '../../../../lib/core/openlineage/runEventsOf.js';
import { jobNamespaceOf } from '../../../../lib/core/openlineage/jobNamespaceOf.js';
import { runIdOf } from '../../../../lib/core/openlineage/runIdOf.js';
import { idempotentTaskId, newTaskId, taskIdTimeMs } from '../../../../lib/core/task/taskIds.js';
import { dataEvent, runEventValidator, SOURCE, task } from './openLineageFixtures.js';

const validate = runEventValidator();
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectValid(events: OpenLineageRunEvent[]): void {
  for (const event of events) {
    const ok = validate(event);
    expect(validate.errors ?? [], JSON.stringify(event)).toEqual([]);
    expect(ok).toBe(true);
  }
}

describe('datasetOf: OpenLineage naming (https://openlineage.io/docs/spec/naming)', () => {
  it.each([
    ['postgres://warehouse:5432/analytics.public.orders', 'postgres://warehouse:5432', 'analytics.public.orders'],
    ['postgresql://Warehouse.Example.com/analytics.public.orders', 'postgres://warehouse.example.com:5432', 'analytics.public.orders'],
    ['postgres://etl:s3cret@warehouse:5433/analytics.public.orders', 'postgres://warehouse:5433', 'analytics.public.orders'],
    ['mysql://db.example.com:3306/shop.orders', 'mysql://db.example.com:3306', 'shop.orders'],
    ['mysql://db.example.com/shop.orders', 'mysql://db.example.com:3306', 'shop.orders'],
    ['s3://landing/flights/2026-11-29.csv', 's3://landing', 'flights/2026-11-29.csv'],
    ['s3a://landing/flights/a b.csv', 's3://landing', 'flights/a b.csv'],
    ['file:///data/x.csv', 'file', '/data/x.csv'],
    ['file://nas/data/x.csv', 'file://nas', '/data/x.csv'],
    ['https://api.example.com/customers?api_key=k#top', 'https://api.example.com', '/customers'],
    ['https://api.example.com:8443/', 'https://api.example.com:8443', '/'],
    ['sftp://files.example.com/in/orders.csv', 'sftp://files.example.com', '/in/orders.csv'],
    ['warehouse.public.flights', 'shop-prod', 'warehouse.public.flights'],
    ['postgres://warehouse:5432', 'shop-prod', 'postgres://warehouse:5432'],
    ['postgres://etl:pw@[bad/x', 'shop-prod', 'postgres://[bad/x'],
  ])('%s → %s + %s', (identity, namespace, name) => {
    expect(datasetOf(identity, 'shop-prod')).toEqual({ namespace, name });
  });

  it('puts plain names in the `sluice` namespace unless given one', () => {
    expect(datasetOf('orders')).toEqual({ namespace: 'sluice', name: 'orders' });
  });
});

describe('runIdOf', () => {
  it('is a deterministic UUID v7 whose time is the task id’s creation time', () => {
    const ms = Date.parse('2026-11-29T10:00:00.123Z');
    const id = newTaskId(ms);
    expect(taskIdTimeMs(id)).toBe(ms);
    const runId = runIdOf(id);
    expect(runId).toMatch(UUID_V7);
    expect(runIdOf(id)).toBe(runId);
    expect(Number.parseInt(runId.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
    expect(runIdOf(newTaskId(ms))).not.toBe(runId);
  });

  it('sorts like the task ids', () => {
    const ids = Array.from({ length: 50 }, (_, i) => newTaskId(1_800_000_000_000 + i * 1000));
    expect(ids.map((i) => runIdOf(i))).toEqual(ids.map((i) => runIdOf(i)).sort());
  });

  it('takes the fallback time for ids without one (idempotency keys) and for other strings', () => {
    const id = idempotentTaskId('p', 'k');
    expect(taskIdTimeMs(id)).toBe(0);
    const runId = runIdOf(id, 1_800_000_000_000);
    expect(runId).toMatch(UUID_V7);
    expect(Number.parseInt(runId.replace(/-/g, '').slice(0, 12), 16)).toBe(1_800_000_000_000);
    expect(runIdOf('not a task id')).toMatch(UUID_V7);
    expect(runIdOf('not a task id')).toBe(runIdOf('not a task id'));
  });
});

describe('runEventsOf', () => {
  it('maps each status to its run cycle, every event valid against the RunEvent schema', () => {
    expect(runEventsOf(task('queued'), [], SOURCE)).toEqual([]);
    const running = runEventsOf(task('running'), [], SOURCE);
    expect(running.map((e) => e.eventType)).toEqual(['START']);
    const ok = task('succeeded');
    const succeeded = runEventsOf(ok, [], SOURCE);
    expect(succeeded.map((e) => [e.eventType, e.eventTime])).toEqual([
      ['START', ok.startedAt],
      ['COMPLETE', ok.finishedAt],
    ]);
    expect(runEventsOf(task('failed'), [], SOURCE).map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    expect(runEventsOf(task('timed_out'), [], SOURCE).map((e) => e.eventType)).toEqual(['START', 'ABORT']);
    expectValid([...running, ...succeeded, ...runEventsOf(task('failed'), [], SOURCE), ...runEventsOf(task('timed_out'), [], SOURCE)]);
  });

  it('names the job, the run and the producer; START falls back to createdAt', () => {
    const record = task('running', { startedAt: undefined });
    const [start] = runEventsOf(record, [], SOURCE);
    expect(start).toMatchObject({
      eventTime: record.createdAt,
      producer: SOURCE.producer,
      schemaURL: RUN_EVENT_SCHEMA_URL,
      run: { runId: runIdOf(record.taskId), facets: { processing_engine: { name: 'Sluice', version: '0.1.0', _producer: SOURCE.producer } } },
      job: { namespace: 'shop-prod', name: 'loadFlights' },
    });
  });

  it('takes distinct sources as inputs and targets as outputs, in emission order; a dataset read and written is in both', () => {
    const record = task('succeeded');
    const events = [
      dataEvent(record, 2, 'postgres://warehouse:5432/analytics.public.stage', 'postgres://warehouse/analytics.public.orders'),
      dataEvent(record, 0, 's3://landing/flights/2026-11-29.csv', 'postgres://warehouse:5432/analytics.public.stage'),
      dataEvent(record, 1, 's3://landing/flights/2026-11-29.csv', 'postgres://warehouse:5432/analytics.public.stage'),
    ];
    const [start, complete] = runEventsOf(record, events, SOURCE);
    const inputs = [
      { namespace: 's3://landing', name: 'flights/2026-11-29.csv' },
      { namespace: 'postgres://warehouse:5432', name: 'analytics.public.stage' },
    ];
    const outputs = [
      { namespace: 'postgres://warehouse:5432', name: 'analytics.public.stage' },
      { namespace: 'postgres://warehouse:5432', name: 'analytics.public.orders' },
    ];
    expect(start).toMatchObject({ inputs, outputs });
    expect(complete).toMatchObject({ inputs, outputs });
    expectValid([start!, complete!]);
  });

  it('writes the errorMessage facet on FAIL (message, JavaScript, stack) and on ABORT', () => {
    const failed = task('failed', { error: { kind: 'logic', name: 'TypeError', message: 'x is undefined', logic: 'load', stack: 'TypeError: x is undefined\n    at load (functions/a.ts:3:1)' } });
    const fail = runEventsOf(failed, [], SOURCE)[1]!;
    expect(fail.run.facets?.errorMessage).toEqual({
      _producer: SOURCE.producer,
      _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
      message: 'TypeError: x is undefined',
      programmingLanguage: 'JavaScript',
      stackTrace: 'TypeError: x is undefined\n    at load (functions/a.ts:3:1)',
    });
    const timedOut = task('timed_out', { error: { kind: 'timeout', name: 'TimeoutError', message: 'timed out after 30 s' } });
    const abort = runEventsOf(timedOut, [], SOURCE)[1]!;
    expect(abort.run.facets?.errorMessage).toMatchObject({ message: 'TimeoutError: timed out after 30 s', programmingLanguage: 'JavaScript' });
    expect(abort.run.facets?.errorMessage).not.toHaveProperty('stackTrace');
    expectValid([fail, abort]);
  });

  it('gives a scheduled task its nominal time; without an engine version, no processing_engine facet', () => {
    const record = task('succeeded', { trigger: { type: 'schedule', rule: 'nightly', scheduledTime: '2026-11-29T10:00:00.000Z' } });
    const [start] = runEventsOf(record, [], { namespace: 'shop', producer: 'https://github.com/acme/shop' });
    expect(start!.run.facets).toEqual({
      nominalTime: { _producer: 'https://github.com/acme/shop', _schemaURL: expect.stringContaining('NominalTimeRunFacet'), nominalStartTime: '2026-11-29T10:00:00.000Z' },
    });
    expectValid([start!]);
    const plain = runEventsOf(task('running'), [], { namespace: 'shop', producer: 'https://github.com/acme/shop' })[0]!;
    expect(plain.run).toEqual({ runId: expect.stringMatching(UUID_V7) });
    expectValid([plain]);
  });
});

describe('the RunEvent schema notices broken events', () => {
  const good = () => runEventsOf(task('failed', { error: { kind: 'logic', name: 'Error', message: 'boom' } }), [], SOURCE)[1]!;

  it.each<[string, (e: Record<string, any>) => void]>([
    ['a run id that is not a UUID', (e) => (e.run.runId = 'task-123')],
    ['an unknown event type', (e) => (e.eventType = 'DONE')],
    ['an event time without a zone', (e) => (e.eventTime = '2026-11-29 10:00:00')],
    ['a producer that is not a URI', (e) => (e.producer = 'sluice')],
    ['no schemaURL', (e) => delete e.schemaURL],
    ['a job without a name', (e) => delete e.job.name],
    ['a dataset without a namespace', (e) => (e.inputs = [{ name: 'orders' }])],
    ['a facet without _producer', (e) => delete e.run.facets.errorMessage._producer],
    ['an errorMessage facet without programmingLanguage', (e) => delete e.run.facets.errorMessage.programmingLanguage],
    ['a custom run facet without _schemaURL', (e) => (e.run.facets.custom = { _producer: 'https://x.example' })],
  ])('%s', (_, breakIt) => {
    const event = structuredClone(good()) as Record<string, any>;
    expect(validate(event)).toBe(true);
    breakIt(event);
    expect(validate(event)).toBe(false);
  });
});

describe('jobNamespaceOf', () => {
  it('is the service, with its stage when given', () => {
    expect(jobNamespaceOf('shop')).toBe('shop');
    expect(jobNamespaceOf('shop', 'prod')).toBe('shop-prod');
  });
});
