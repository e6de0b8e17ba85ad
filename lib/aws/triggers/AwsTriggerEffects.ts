import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { EventSourceMappings } from './EventSourceMappings.js';
import type { SchedulerSchedules } from './SchedulerSchedules.js';

/**
 * Makes AWS follow the registry (`TriggerServiceOptions.apply` of the
 * platform function), kind by kind:
 *
 * - `schedule`: runtime ones are EventBridge Scheduler schedules
 *   ({@link SchedulerSchedules}); a static one's pause is read at firing
 *   time by `handleScheduleEvent` (its rule or Scheduler schedule belongs
 *   to CloudFormation);
 * - `queue`: Lambda event source mappings ({@link EventSourceMappings}),
 *   static ones disabled while paused;
 * - `event`: nothing to apply: the event dispatcher reads the registry
 *   (`RegistrySubscribers`);
 * - `http`: nothing here: the runtime-route router reads the registry itself.
 *
 * Both reconcilers read AWS's state rather than trusting this container's
 * memory, so a Lambda that died mid-apply is caught up by the next call.
 */
export class AwsTriggerEffects {
  constructor(
    private readonly schedules: SchedulerSchedules,
    private readonly mappings: EventSourceMappings,
  ) {}

  async apply(effective: readonly TriggerRecord[]): Promise<void> {
    await this.schedules.follow(effective);
    await this.mappings.follow(effective);
  }
}
