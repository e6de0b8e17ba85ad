import type { TaskEnvelope } from '../ports/TaskDispatcher.js';
import type { EventPayload } from '../task/Payload.js';
import type { TaskRecord } from '../task/TaskRecord.js';
import { dispatchedPayloadHash } from '../task/taskEnvelopeCodec.js';
import { derivedTaskId } from '../task/taskIds.js';
import { newTaskRecord } from '../task/newTaskRecord.js';
import type { DataEvent } from './DataEvent.js';
import { matchesSubscription, type EventSubscription } from './EventSubscription.js';

/** A subscription with where its process's tasks are queued. */
export interface Subscriber {
  subscription: EventSubscription;
  /** The subscribing process's task queue. */
  queue: string;
}

/** One task to dispatch for a published event (see `TaskDispatcher`). */
export interface EventTask {
  record: TaskRecord;
  envelope: TaskEnvelope;
  queue: string;
}

export interface EventTaskOptions {
  nowMs: number;
  retentionSeconds: number;
  /** See `custom.sluice.events.maxChainDepth`. */
  maxChainDepth: number;
}

/**
 * The task id of the run of `subscription` for `event`: the same for every
 * delivery of the event, so that at most one task runs per (event,
 * subscription) however often the event is delivered.
 */
export const eventTaskId = (eventId: string, createdAt: string, subscription: string) => derivedTaskId(Date.parse(createdAt), 'event', eventId, subscription);

/**
 * The tasks a published event starts: one per matching subscription, none
 * when the chain is at its depth limit (the event is stored but triggers
 * nothing; the emitting task's log says so, see `DataEventAgent`). Both
 * runtimes dispatch them: the embedded one in the transaction that stores the
 * event, the AWS one from the events table's stream.
 */
export function eventTasks(event: DataEvent, subscribers: readonly Subscriber[], options: EventTaskOptions): EventTask[] {
  if (event.depth + 1 > options.maxChainDepth) return [];
  const tasks: EventTask[] = [];
  for (const { subscription, queue } of subscribers) {
    if (!matchesSubscription(subscription, event)) continue;
    const payload: EventPayload = { type: 'event', subscription: subscription.id, event };
    const record: TaskRecord = {
      ...newTaskRecord({
        taskId: eventTaskId(event.eventId, event.createdAt, subscription.id),
        process: subscription.process,
        status: 'queued',
        trigger: { type: 'event', eventId: event.eventId, label: event.label, subscription: subscription.id, depth: event.depth + 1 },
        nowMs: options.nowMs,
        retentionSeconds: options.retentionSeconds,
      }),
      payloadHash: dispatchedPayloadHash(payload),
    };
    const envelope: TaskEnvelope = { taskId: record.taskId, process: record.process, trigger: record.trigger, createdAt: record.createdAt, payload };
    tasks.push({ record, envelope, queue });
  }
  return tasks;
}
