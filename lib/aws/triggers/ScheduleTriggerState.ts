import type { TriggerRegistry } from '../../core/ports/TriggerRegistry.js';
import { staticTriggerId, type StaticTrigger } from '../../core/triggers/TriggerService.js';

/**
 * Whether a schedule firing reaching a process function should run, by the
 * trigger registry (`handleScheduleEvent` asks before anything else):
 *
 * - a static schedule's rule or Scheduler schedule belongs to
 *   CloudFormation, so pausing it through `/sluice/triggers` cannot disable
 *   it: its firings keep coming and are skipped here while the registry
 *   holds it paused;
 * - a runtime schedule (rule = trigger id) is disabled in Scheduler when
 *   paused, and deleted with its trigger; a firing already in flight then
 *   (Scheduler's retries, Lambda's asynchronous queue) is skipped here too.
 *
 * One consistent `GetItem` per firing, none for a firing that names no
 * registered trigger.
 */
export class ScheduleTriggerState {
  readonly #statics = new Map<string, string>();

  constructor(
    private readonly registry: TriggerRegistry,
    statics: readonly StaticTrigger[],
  ) {
    for (const s of statics) if (s.spec.kind === 'schedule' && s.rule !== undefined) this.#statics.set(`${s.process}\u0000${s.rule}`, staticTriggerId(s.process, s.spec));
  }

  /** Why this firing must not run (`paused`, `deleted`), or undefined to run it. */
  async skipReason(process: string, rule: string): Promise<string | undefined> {
    const staticId = this.#statics.get(`${process}\u0000${rule}`);
    if (staticId !== undefined) return (await this.registry.get(staticId))?.paused ? `its trigger ${staticId} is paused` : undefined;
    if (!rule.startsWith('trg_')) return undefined;
    const record = await this.registry.get(rule);
    if (!record || record.process !== process || record.spec.kind !== 'schedule') return `its trigger ${rule} is deleted`;
    return record.paused ? `its trigger ${rule} is paused` : undefined;
  }
}
