import type { ProcessDefinition } from '../process/types.js';
import type { BackoffPolicy } from '../retry/RetryPolicy.js';

/** A process as a runner needs it: its definition and its declared limits. */
export interface RunnableProcess {
  /** The function key in serverless.yml. */
  name: string;
  // `any` input: a runner handles processes of every input type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: ProcessDefinition<any, unknown>;
  /** The function's `timeout`, in ms. */
  timeoutMs: number;
  /** How failed deliveries are spaced (`sluice.retry.backoff`); `DEFAULT_BACKOFF` when absent. */
  backoff?: BackoffPolicy;
}
