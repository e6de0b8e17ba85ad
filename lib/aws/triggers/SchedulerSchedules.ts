import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type ScheduleSummary,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { ValidationError } from '../../core/errors.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';
import { awsErrorName, awsRequestFailed } from '../awsErrors.js';
import { SCHEDULE_INPUT_LIMIT, SCHEDULER_TIME, scheduleFiringTemplate } from './scheduleFiringTemplate.js';

/** Runtime triggers' ids (`trg_` + 16 URL-safe characters) are valid Scheduler names (`[0-9a-zA-Z-_.]{1,64}`): the name is the id. */
const RUNTIME_PREFIX = 'trg_';

/**
 * Scheduler may start a schedule up to this long after its `StartDate`, and
 * refuses one more than 5 minutes in the past: an earlier start is left out
 * (the schedule has started anyway).
 */
const PAST_START_SLACK_MS = 4 * 60_000;

/**
 * Retries of an invocation Scheduler could not make (throttled, Lambda
 * unavailable): for an hour. A function error is not Scheduler's to retry:
 * Lambda's asynchronous retries and the task's attempts handle it.
 */
const TARGET_RETRY = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 } as const;

export interface SchedulerSchedulesOptions {
  client: SchedulerClient;
  /** The schedule group of this service and stage (`sluice-<service>-<stage>`). */
  group: string;
  /** The role Scheduler assumes, allowed to invoke the service's process functions. */
  roleArn: string;
  functionArnOf(process: string): string;
  /** Where an invocation Scheduler gave up on goes (the deployment's async-failures queue), when there is one. */
  deadLetterArn?: string;
  clock: Clock;
  /**
   * Asked before a schedule no trigger of `follow`'s list wants is deleted:
   * whether its trigger exists after all (created by a concurrent write
   * after this list was read). @default none: delete
   */
  stillWanted?(triggerId: string): Promise<boolean>;
}

/**
 * Runtime `schedule` triggers as EventBridge Scheduler schedules, one per
 * trigger in the service's group, named after the trigger id, targeting the
 * process function with the same `{ sluiceSchedule }` event as a static
 * schedule (so `handleScheduleEvent` and its overlap policy serve both).
 *
 * `follow` reconciles the group with the registry, idempotently: it lists the
 * group's runtime schedules (`ListSchedules`, 100 a page), creates what is
 * missing, updates a schedule last modified before its trigger was (or whose
 * state or target differs), deletes schedules of deleted triggers. A Lambda
 * that crashed between the registry's write and Scheduler's is caught up by
 * the next write's `follow` (or a retry of the same request); a schedule
 * is deleted only if its trigger is still absent when asked again (two
 * writes at once each follow the list they read); a create that
 * finds the schedule there (`ConflictException`) updates it, an update or
 * delete that finds it gone (`ResourceNotFoundException`) creates it or is
 * done. Up-to-date is judged by time: Scheduler's `LastModificationDate`
 * against the record's `updatedAt` (this function's clock, NTP-synchronised
 * like AWS's); a skew makes at worst one update too many.
 */
export class SchedulerSchedules {
  constructor(private readonly options: SchedulerSchedulesOptions) {}

  async follow(triggers: readonly TriggerRecord[]): Promise<void> {
    const existing = await this.#list();
    for (const trigger of triggers) {
      if (trigger.source !== 'runtime' || trigger.spec.kind !== 'schedule') continue;
      const request = this.requestOf(trigger, trigger.spec);
      const current = existing.get(request.Name!);
      existing.delete(request.Name!);
      if (current && isCurrent(current, trigger, request)) continue;
      if (current) await this.#update(request);
      else await this.#create(request);
    }
    for (const name of existing.keys()) {
      if (await this.options.stillWanted?.(name)) continue;
      await this.#delete(name);
    }
  }

  /**
   * The full schedule of a trigger (`CreateSchedule` and `UpdateSchedule`
   * take the same fields; an update replaces every one).
   * @throws {ValidationError} when the firing's input is over Scheduler's 8,192 characters
   */
  requestOf(trigger: TriggerRecord, spec: Extract<TriggerSpec, { kind: 'schedule' }>): CreateScheduleCommandInput {
    const now = this.options.clock.now();
    const input = scheduleFiringTemplate({ rule: trigger.triggerId, input: spec.input, overlap: spec.overlap }, SCHEDULER_TIME);
    if (input === undefined) throw new ValidationError(`the schedule's input is too large: EventBridge Scheduler allows ${SCHEDULE_INPUT_LIMIT} characters for the whole firing event`, [{ path: 'input', message: 'too large' }]);
    const startMs = spec.startAt !== undefined ? Date.parse(spec.startAt) : undefined;
    const endMs = spec.endAt !== undefined ? Date.parse(spec.endAt) : undefined;
    // A window already over: kept, disabled (Scheduler refuses an EndDate in the past).
    const over = endMs !== undefined && endMs <= now;
    return {
      Name: trigger.triggerId,
      GroupName: this.options.group,
      Description: `Sluice runtime trigger ${trigger.triggerId} of ${trigger.process}`,
      ScheduleExpression: spec.expression,
      ...(spec.timezone !== undefined ? { ScheduleExpressionTimezone: spec.timezone } : {}),
      ...(startMs !== undefined && startMs > now - PAST_START_SLACK_MS ? { StartDate: new Date(startMs) } : {}),
      ...(endMs !== undefined && !over ? { EndDate: new Date(endMs) } : {}),
      State: trigger.paused || over ? 'DISABLED' : 'ENABLED',
      // Fire at the due time, as a rule and the embedded runner do.
      FlexibleTimeWindow: { Mode: 'OFF' },
      // An at() schedule stays after its firing: the trigger (and its history) outlives it until deleted.
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: this.options.functionArnOf(trigger.process),
        RoleArn: this.options.roleArn,
        Input: input,
        RetryPolicy: { ...TARGET_RETRY },
        ...(this.options.deadLetterArn !== undefined ? { DeadLetterConfig: { Arn: this.options.deadLetterArn } } : {}),
      },
    };
  }

  async #list(): Promise<Map<string, ScheduleSummary>> {
    const out = new Map<string, ScheduleSummary>();
    let token: string | undefined;
    do {
      const page = await this.#send('ListSchedules', this.options.group, () =>
        this.options.client.send(new ListSchedulesCommand({ GroupName: this.options.group, NamePrefix: RUNTIME_PREFIX, MaxResults: 100, ...(token ? { NextToken: token } : {}) })),
      );
      for (const schedule of page.Schedules ?? []) if (schedule.Name) out.set(schedule.Name, schedule);
      token = page.NextToken;
    } while (token);
    return out;
  }

  async #create(request: CreateScheduleCommandInput): Promise<void> {
    try {
      await this.options.client.send(new CreateScheduleCommand(request));
    } catch (error) {
      // Created meanwhile (a concurrent write, a retried request): make it this one.
      if (awsErrorName(error) === 'ConflictException') return this.#update(request);
      throw awsRequestFailed('EventBridge Scheduler', 'CreateSchedule', request.Name!, error);
    }
  }

  async #update(request: CreateScheduleCommandInput): Promise<void> {
    try {
      await this.options.client.send(new UpdateScheduleCommand(request));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return this.#create(request);
      throw awsRequestFailed('EventBridge Scheduler', 'UpdateSchedule', request.Name!, error);
    }
  }

  async #delete(name: string): Promise<void> {
    try {
      await this.options.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.group }));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return;
      throw awsRequestFailed('EventBridge Scheduler', 'DeleteSchedule', name, error);
    }
  }

  async #send<T>(operation: string, target: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw awsRequestFailed('EventBridge Scheduler', operation, target, error);
    }
  }
}

/** Whether the schedule Scheduler holds was written after the trigger's last change, with the state and target wanted. */
function isCurrent(current: ScheduleSummary, trigger: TriggerRecord, wanted: CreateScheduleCommandInput): boolean {
  const changedMs = Date.parse(trigger.updatedAt ?? trigger.createdAt ?? '');
  const modifiedMs = current.LastModificationDate?.getTime();
  return current.State === wanted.State && current.Target?.Arn === wanted.Target?.Arn && modifiedMs !== undefined && !Number.isNaN(changedMs) && modifiedMs >= changedMs;
}
