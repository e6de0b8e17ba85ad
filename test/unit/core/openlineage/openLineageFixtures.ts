import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { DataEvent } from '../../../../lib/core/events/DataEvent.js';
import { newTaskId } from '../../../../lib/core/task/taskIds.js';
import type { TaskRecord, TaskStatus } from '../../../../lib/core/task/TaskRecord.js';

/**
 * The RunEvent JSON Schema compiled with ajv (draft 2020-12). Formats are not
 * validated by ajv here (ajv-formats is not a dependency); the schema repeats
 * them as patterns, so uuid, date-time and uri are still checked.
 */
export function runEventValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(new URL('../../../../lib/core/openlineage/runEvent.schema.json', import.meta.url), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
  return ajv.compile(schema);
}

export const SOURCE = { namespace: 'shop-prod', producer: 'https://github.com/acme/shop', engineVersion: '0.1.0' } as const;

const BASE_MS = Date.parse('2026-11-29T10:00:00.000Z');

export function task(status: TaskStatus, overrides: Partial<TaskRecord> = {}, minute = 0): TaskRecord {
  const createdMs = BASE_MS + minute * 60_000;
  const record: TaskRecord = {
    taskId: newTaskId(createdMs),
    process: 'loadFlights',
    status,
    trigger: { type: 'api' },
    createdAt: new Date(createdMs).toISOString(),
    attempts: status === 'queued' ? 0 : 1,
    logs: [],
    expiresAt: Math.floor(createdMs / 1000) + 86_400 * 365 * 10,
  };
  if (status !== 'queued') record.startedAt = new Date(createdMs + 1_000).toISOString();
  if (status === 'succeeded' || status === 'failed' || status === 'timed_out') record.finishedAt = new Date(createdMs + 5_000).toISOString();
  return { ...record, ...overrides };
}

export function dataEvent(record: TaskRecord, sequence: number, source: string, target: string): DataEvent {
  return {
    eventId: `${record.taskId}-${sequence}`,
    label: 'flights.loaded',
    source,
    target,
    sequence,
    createdAt: new Date(Date.parse(record.startedAt ?? record.createdAt) + 100 + sequence).toISOString(),
    taskId: record.taskId,
    process: record.process,
    logic: 'load',
    attempt: record.attempts,
    depth: 0,
  };
}
