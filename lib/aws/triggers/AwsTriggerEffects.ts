import { ConflictError } from '../../core/errors.js';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { EventSourceMappings, MappingFailure } from './EventSourceMappings.js';
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
 *
 * One trigger AWS will not apply does not hold the others hostage: both
 * reconcilers run whatever the other did, and a queue trigger whose mapping
 * Lambda did not create or change fails only the write of that trigger
 * (`changed`): a refusal as a 409 naming Lambda's reason, a transient
 * failure as itself (500). Other writes succeed and log it (`warn`); each
 * of them asks Lambda again. The record stays in the registry, not in
 * force, until it is changed (PATCH) or deleted.
 */
export class AwsTriggerEffects {
  constructor(
    private readonly schedules: SchedulerSchedules,
    private readonly mappings: EventSourceMappings,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
  ) {}

  /**
   * @param changed the trigger the write was about (`TriggerService`); none at start
   * @throws {ConflictError} when Lambda refused `changed`'s mapping; the first other failure as it was
   */
  async apply(effective: readonly TriggerRecord[], changed?: string): Promise<void> {
    let failure: unknown;
    try {
      await this.schedules.follow(effective);
    } catch (error) {
      failure = error;
    }
    let unmapped: MappingFailure[] = [];
    try {
      unmapped = await this.mappings.follow(effective);
    } catch (error) {
      failure ??= error;
    }
    for (const f of unmapped) {
      if (f.triggerId !== changed) this.warn(`trigger ${f.triggerId} (queue '${f.queue}' -> process '${f.process}') is not in force: ${f.error.message}`);
    }
    if (failure !== undefined) throw failure;
    const own = unmapped.find((f) => f.triggerId === changed);
    if (!own) return;
    if (!own.refused) throw own.error;
    throw new ConflictError(
      `trigger ${own.triggerId} is saved, but Lambda refused its event source mapping (queue '${own.queue}' -> process '${own.process}'): ${own.error.message}. It stays in the registry, not in force: fix the cause and change it (PATCH), or delete it`,
      { cause: own.error },
    );
  }
}
