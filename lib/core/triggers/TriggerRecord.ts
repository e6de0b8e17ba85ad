import type { TriggerSpec } from './TriggerSpec.js';

/**
 * A trigger as the registry holds it (`GET /sluice/triggers/{id}`).
 * `static` triggers come from serverless.yml: read-only through the API
 * except `paused` and `note`; `runtime` ones were created through the API and
 * persist across restarts and deploys.
 */
export interface TriggerRecord {
  triggerId: string;
  process: string;
  source: 'static' | 'runtime';
  spec: TriggerSpec;
  paused: boolean;
  note?: string;
  /** ISO-8601 UTC. Static triggers: when first seen paused or noted, else absent. */
  createdAt?: string;
  updatedAt?: string;
  /** Incremented by every change: the registry's writes are conditional on it (optimistic concurrency). */
  version: number;
}

/** What was done to a trigger. */
export type TriggerAction = 'create' | 'update' | 'pause' | 'resume' | 'delete';

/** One entry of a trigger's audit log (`GET /sluice/triggers/{id}/history`): who, when, what changed. */
export interface TriggerChange {
  triggerId: string;
  /** ISO-8601 UTC. */
  at: string;
  /** Who asked: the platform API's caller (`api-token` on the embedded runtime, the IAM principal on AWS). */
  actor: string;
  action: TriggerAction;
  /** The record before and after (absent for a create / a delete). */
  before?: TriggerRecord;
  after?: TriggerRecord;
}
