import { describe, expect, it } from 'vitest';
import { ConnectionSet } from '../../../lib/core/agents/TaskAgents.js';
import type { AgentConnection } from '../../../lib/core/agents/AgentConnection.js';
import type { AgentScope } from '../../../lib/core/agents/AgentScope.js';
import { isNonRetriableError } from '../../../lib/core/errors.js';
import { executeTask } from '../../../lib/core/execution/executeTask.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';

/** A connection that records what it was bound to: the seam is under test here, not an adapter. */
function recordingConnection(opened: string[], name: string): AgentConnection<{ scope: AgentScope }> & { closed: boolean } {
  opened.push(name);
  return {
    closed: false,
    forTask: (scope) => ({ scope }),
    async close() {
      this.closed = true;
    },
  };
}

describe('ConnectionSet (the agents a function is granted)', () => {
  const opened: string[] = [];
  const set = new ConnectionSet(
    'loader',
    new Map([
      ['warehouse', { kind: 'db' as const, type: 'postgres', open: () => recordingConnection(opened, 'warehouse') }],
      ['landing', { kind: 'files' as const, type: 's3', open: () => recordingConnection(opened, 'landing') }],
    ]),
    new Set(['warehouse', 'landing', 'crm']),
  );
  const scope = (connection: string): AgentScope => ({ connection, signal: new AbortController().signal, deadlineMs: 0, log: console as never, now: () => 0 });

  it('opens a connection once, on first use, and binds it to each task', () => {
    expect(opened).toEqual([]);
    const a = set.acquire('db', 'warehouse', scope('warehouse')) as unknown as { scope: AgentScope };
    const b = set.acquire('db', 'warehouse', scope('warehouse')) as unknown as { scope: AgentScope };
    expect(opened).toEqual(['warehouse']);
    expect(a.scope).not.toBe(b.scope);
  });

  it('refuses, naming the connection, what is declared but not granted, not declared, or of another kind', () => {
    const refusal = (kind: 'db' | 'files', name: string) => {
      try {
        set.acquire(kind, name, scope(name));
      } catch (error) {
        return error as Error;
      }
      throw new Error('acquired');
    };
    const notGranted = refusal('db', 'crm');
    expect(notGranted.name).toBe('ConnectionNotGrantedError');
    expect(notGranted.message).toContain("may not use connection 'crm'");
    expect(notGranted.message).toContain('functions.loader.sluice.connections');
    expect(isNonRetriableError(notGranted)).toBe(true);
    expect(refusal('db', 'nope').message).toContain("no connection 'nope' is declared");
    expect(refusal('db', 'nope').message).toContain('warehouse, landing');
    expect(refusal('db', 'landing').message).toContain("'landing' is a s3 connection");
    expect(refusal('db', '__proto__').message).toContain('is declared');
  });

  it('closes what it opened', async () => {
    await set.close();
    await set.close();
  });
});

describe('ctx.db / ctx.files / ctx.http / ctx.mail', () => {
  it('binds the agent to the task: connection name, a signal aborted once the task ends, deadline', async () => {
    const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
    const seen: AgentScope[] = [];
    const abortedWhileRunning: boolean[] = [];
    const agents = new ConnectionSet(
      'p',
      new Map([['warehouse', { kind: 'db' as const, type: 'postgres', open: () => ({ forTask: (s: AgentScope) => (seen.push(s), abortedWhileRunning.push(s.signal.aborted), {}), close: async () => {} }) }]]),
    );
    const definition = buildProcessDefinition({
      logics: [{ name: 'extract', run: (ctx) => void ctx.db('warehouse') }],
      aggregator: { name: 'done', run: () => 'ok' },
    });
    const outcome = await executeTask(definition, { taskId: 't', process: 'p', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', data: null } as never, input: null }, { clock, timeoutMs: 5000, agents });
    expect(outcome.status).toBe('succeeded');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.connection).toBe('warehouse');
    expect(seen[0]!.deadlineMs).toBe(clock.now() + 5000);
    expect(abortedWhileRunning).toEqual([false]);
    // Once the task has ended, the signal releases whatever an agent still holds for it.
    expect(seen[0]!.signal.aborted).toBe(true);
  });

  it('a logic asking for an ungranted connection fails the task for good, naming it', async () => {
    const definition = buildProcessDefinition({ logics: [{ name: 'load', run: (ctx) => void ctx.mail('alerts') }], aggregator: { name: 'done', run: () => 'ok' } });
    const outcome = await executeTask(definition, { taskId: 't', process: 'p', attempt: 1, trigger: { type: 'api' }, payload: { type: 'api', data: null } as never, input: null }, { clock: new ManualClock(0), timeoutMs: 5000 });
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.retriable).toBe(false);
    expect(outcome.error.message).toContain("'alerts'");
    expect(outcome.error.logic).toBe('load');
  });
});
