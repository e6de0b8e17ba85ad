/**
 * Where an agent connection is built: adapters choose their connection
 * policy by it (a small pool that survives frozen containers on Lambda, a
 * larger one on the embedded runtime).
 */
export interface AgentHost {
  kind: 'embedded' | 'lambda';
  /** Absolute directory of `serverless.yml` (embedded) or `LAMBDA_TASK_ROOT` (AWS): relative `fs` roots resolve against it. */
  serviceDir: string;
}
