import type { ProcessManifest, ScheduleManifest } from '../config/ServiceManifest.js';
import type { SubmittableProcess } from '../core/runner/submitTask.js';

/**
 * A process as the platform API describes and submits it. On the embedded
 * runtime it carries the definition (so async payloads are validated before
 * they are accepted); on AWS the platform function has only the catalog and
 * the worker validates.
 */
export interface PlatformProcess extends SubmittableProcess, Pick<ProcessManifest, 'http' | 'queues' | 'timeoutSeconds'> {
  description?: string;
  /** What `GET /sluice/processes` shows of each schedule (the AWS catalog carries no more). */
  schedules: Array<Pick<ScheduleManifest, 'rule' | 'expression' | 'enabled'>>;
  /** Its `dataEvent` subscriptions from serverless.yml (runtime ones are in `/sluice/triggers`). */
  subscriptions?: ReadonlyArray<{ label: string; source?: string; target?: string }>;
  /** Its logics' names in railway order, then its aggregator's (the dashboard draws it); absent without the code (AWS). */
  railway?: readonly string[];
}
