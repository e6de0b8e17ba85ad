import { ConfigError } from '../core/errors.js';

/**
 * A `schedule` expression from serverless.yml that EventBridge would reject
 * (or that Sluice cannot honour exactly).
 *
 * The message names the offending part, e.g.
 * `invalid schedule expression 'cron(60 12 * * ? *)': minutes '60': 60 is outside 0-59`.
 */
export class InvalidScheduleError extends ConfigError {
  override name = 'InvalidScheduleError';
  constructor(
    /** The expression exactly as declared. */
    readonly expression: string,
    /** What is wrong, without the expression prefix (e.g. `minutes '60': 60 is outside 0-59`). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid schedule expression '${expression}': ${reason}`, options);
  }
}
