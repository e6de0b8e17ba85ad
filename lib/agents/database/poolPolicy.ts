import type { AgentHost } from '../../core/agents/AgentHost.js';

/** How a pool keeps its connections, by host (node-postgres#2718, #2243: pools on Lambda). */
export interface PoolPolicy {
  max: number;
  /** Idle connections are closed after this. */
  idleTimeoutMs: number;
  /** A connection idle longer is pinged before use (a frozen container's sockets are dead on thaw). */
  validateAfterMs: number;
  /** A connection attempt that takes longer fails. */
  connectTimeoutMs: number;
}

/**
 * - embedded: up to 5 connections (or `pool.max`), idle ones closed after
 *   10 s, pinged after 30 s idle;
 * - Lambda: one container runs one task at a time, so 2 connections at most
 *   (`pool.max` may lower it to 1): one streams while the loop body loads
 *   what it reads; closed after 5 s idle; any connection idle for 2 s or
 *   more is pinged first: the container may have been frozen with it, and
 *   the server or a NAT dropped it meanwhile.
 */
export function poolPolicy(host: AgentHost, max: number | undefined): PoolPolicy {
  if (host.kind === 'lambda') return { max: Math.min(max ?? 2, 2), idleTimeoutMs: 5_000, validateAfterMs: 2_000, connectTimeoutMs: 10_000 };
  return { max: max ?? 5, idleTimeoutMs: 10_000, validateAfterMs: 30_000, connectTimeoutMs: 10_000 };
}
