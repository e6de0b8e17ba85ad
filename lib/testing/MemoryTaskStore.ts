import * as z from 'zod';
import { decodeCursor, encodeCursor } from '../core/pageCursor.js';
import type { Clock } from '../core/ports/Clock.js';
import type { DataEvent } from '../core/events/DataEvent.js';
import { MemoryEventStore } from './MemoryEventStore.js';
import { systemClock } from '../core/time/systemClock.js';
import type { CreateOutcome, SaveOutcome, TaskStore } from '../core/ports/TaskStore.js';
import { encodeTaskRecord } from '../core/task/storedRecordSize.js';
import { emptyStatusCounts, isTerminal, toSummary, withReplay, type ProcessTaskCounts, type TaskCountQuery, type TaskPage, type TaskQuery, type TaskRecord } from '../core/task/TaskRecord.js';
import { assertTaskCountQuery, assertTaskQuery, matchesTaskQuery } from '../core/task/taskQueryRules.js';
import { createdWithin } from '../core/task/createdWindow.js';

/**
 * A TaskStore in memory, for unit tests of processes and of the core. It
 * passes the same contract suite as the SQLite and DynamoDB stores, and
 * refuses records past the same size limit (`MAX_TASK_RECORD_BYTES`, measured
 * by `encodeTaskRecord`) with `TaskRecordTooLargeError`.
 */
export class MemoryTaskStore implements TaskStore {
  readonly #records = new Map<string, string>();
  /** Where `save(record, events)` publishes. */
  readonly events: MemoryEventStore;

  constructor(private readonly clock: Clock = systemClock) {
    this.events = new MemoryEventStore(clock);
  }

  async create(record: TaskRecord): Promise<CreateOutcome> {
    await encodeTaskRecord(record);
    const existing = this.#read(record.taskId);
    if (existing) return { created: false, existing };
    this.#records.set(record.taskId, JSON.stringify(record));
    return { created: true };
  }

  async save(record: TaskRecord, events: readonly DataEvent[] = []): Promise<SaveOutcome> {
    await encodeTaskRecord(record);
    const existing = this.#read(record.taskId);
    if (existing && isTerminal(existing.status)) return { saved: false, current: existing };
    this.#records.set(record.taskId, JSON.stringify(record));
    this.events.publish(events, record.expiresAt);
    return { saved: true };
  }

  async linkReplay(taskId: string, replayId: string): Promise<void> {
    const record = this.#read(taskId);
    if (!record) return;
    const linked = withReplay(record, replayId);
    if (linked) this.#records.set(taskId, JSON.stringify(linked));
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.#read(taskId);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    assertTaskQuery(query);
    const after = query.cursor ? decodeCursor(query.cursor, z.tuple([z.string(), z.string()])) : undefined;
    const matching = [...this.#records.keys()]
      .map((id) => this.#read(id))
      .filter((r): r is TaskRecord => r !== undefined)
      .filter((r) => matchesTaskQuery(r, query))
      .sort((a, b) => (a.createdAt === b.createdAt ? cmp(b.taskId, a.taskId) : cmp(b.createdAt, a.createdAt)))
      .filter((r) => !after || r.createdAt < after[0] || (r.createdAt === after[0] && r.taskId < after[1]));
    const items = matching.slice(0, query.limit);
    const last = items[items.length - 1];
    const page: TaskPage = { items: items.map(toSummary) };
    if (matching.length > query.limit && last) page.nextCursor = encodeCursor([last.createdAt, last.taskId]);
    return page;
  }

  async countByStatus(query: TaskCountQuery): Promise<ProcessTaskCounts[]> {
    assertTaskCountQuery(query);
    const byProcess = new Map<string, ProcessTaskCounts>();
    for (const id of this.#records.keys()) {
      const r = this.#read(id);
      if (!r || (query.process !== undefined && r.process !== query.process) || !createdWithin(r.createdAt, query)) continue;
      let entry = byProcess.get(r.process);
      if (!entry) byProcess.set(r.process, (entry = { process: r.process, counts: emptyStatusCounts() }));
      entry.counts[r.status]++;
    }
    return [...byProcess.values()].sort((a, b) => cmp(a.process, b.process));
  }

  #read(taskId: string): TaskRecord | undefined {
    const raw = this.#records.get(taskId);
    if (raw === undefined) return undefined;
    const record = JSON.parse(raw) as TaskRecord;
    return record.expiresAt * 1000 <= this.clock.now() ? undefined : record;
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
