import type { ProcessDefinition } from '../process/types.js';

/** A process as a runner needs it: its definition and its declared limits. */
export interface RunnableProcess {
  /** The function key in serverless.yml. */
  name: string;
  // `any` input: a runner handles processes of every input type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: ProcessDefinition<any, unknown>;
  /** The function's `timeout`, in ms. */
  timeoutMs: number;
}
