import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, UnknownProcessError, ValidationError } from '../errors.js';
import type { Clock } from '../ports/Clock.js';
import type { TriggerRegistry } from '../ports/TriggerRegistry.js';
import { isoTime } from '../time/isoTime.js';
import type { TriggerAction, TriggerChange, TriggerRecord } from './TriggerRecord.js';
import { triggerSpec, type TriggerKind, type TriggerSpec } from './TriggerSpec.js';
import { validationErrorOf } from '../validationIssues.js';

/** A trigger declared in serverless.yml, as the runtime read it. */
export interface StaticTrigger {
  process: string;
  spec: TriggerSpec;
  /** Declared `enabled: false` (schedules, queues): starts paused until an operator resumes it. */
  disabled?: boolean;
  /** A schedule's rule name: what its firings carry (on AWS, how a firing finds its trigger's state). */
  rule?: string;
}

/** A change asked through `PATCH /sluice/triggers/{id}`. */
export interface TriggerPatch {
  /** The version the caller read: when given, a trigger changed since is a 409 (optimistic concurrency across clients). */
  version?: number;
  paused?: boolean;
  note?: string;
  /** Runtime triggers only: fields of the same kind (the kind itself cannot change). */
  spec?: Record<string, unknown>;
}

export interface TriggerServiceOptions {
  registry: TriggerRegistry;
  /** From serverless.yml: read-only, but pausable. */
  statics: readonly StaticTrigger[];
  processes: ReadonlySet<string>;
  clock: Clock;
  /**
   * The runtime's checks of a spec against what else is registered (a route
   * API Gateway would refuse or that conflicts with one in use, a schedule
   * expression or time zone, an undeclared queue); throws a
   * `ValidationError` (400) or `ConflictError` (409) naming what is wrong.
   * Returns the spec, normalised.
   */
  check(process: string, spec: TriggerSpec, others: readonly TriggerRecord[]): TriggerSpec;
  /** Told of what the registry holds but cannot apply (a runtime trigger of a process no longer declared). */
  warn?(message: string): void;
  /**
   * Makes the runtime follow the registry: called with every effective
   * trigger after each change (and by `start`), and the id of the trigger
   * the change wrote or deleted (none at `start`), so that a runtime that
   * cannot apply one trigger fails the write of that trigger only.
   */
  apply(effective: readonly TriggerRecord[], changed?: string): void | Promise<void>;
}

/**
 * The trigger registry's use cases, on any runtime: static triggers (from
 * serverless.yml) merged with runtime ones (from the registry), create /
 * update / pause / delete with an audit entry each, and the runtime told
 * to follow. LOC lets its users deploy API routes, queue subscriptions and
 * schedules at run time; this is that, with an audit log.
 *
 * Writes are conditional on the record's version: two operators editing
 * the same trigger at once get one success and one 409.
 */
/** How often a PATCH without `version` rereads and reapplies after losing a race. */
export const UNCONDITIONAL_ATTEMPTS = 10;

export class TriggerService {
  readonly #statics: Map<string, StaticTrigger & { triggerId: string }>;

  constructor(private readonly options: TriggerServiceOptions) {
    this.#statics = new Map(options.statics.map((s) => [staticTriggerId(s.process, s.spec), { ...s, triggerId: staticTriggerId(s.process, s.spec) }]));
  }

  /** Applies the registry as it is (at start-up: runtime triggers persist across restarts). */
  async start(): Promise<void> {
    for (const stored of await this.options.registry.list()) {
      if (stored.source === 'runtime' && !this.options.processes.has(stored.process)) {
        this.options.warn?.(`trigger ${stored.triggerId} (${stored.spec.kind}) belongs to process '${stored.process}', which serverless.yml no longer declares: it is kept, inactive, until the process returns`);
      }
    }
    await this.options.apply(await this.effective());
  }

  /** Every trigger, static then runtime, optionally filtered. */
  async list(filter: { process?: string; kind?: TriggerKind } = {}): Promise<TriggerRecord[]> {
    return (await this.effective()).filter((t) => (filter.process === undefined || t.process === filter.process) && (filter.kind === undefined || t.spec.kind === filter.kind));
  }

  /** @throws {NotFoundError} */
  async get(triggerId: string): Promise<TriggerRecord> {
    const found = (await this.effective()).find((t) => t.triggerId === triggerId);
    if (!found) throw new NotFoundError(`no trigger '${triggerId.slice(0, 64)}'`);
    return found;
  }

  /**
   * Registers a runtime trigger; effective on return (the runtime applied it).
   * @throws {UnknownProcessError} {ValidationError} {ConflictError}
   */
  async create(process: string, spec: TriggerSpec, actor: string, note?: string): Promise<TriggerRecord> {
    if (!this.options.processes.has(process)) throw new UnknownProcessError(process);
    const effective = await this.effective();
    const checked = this.options.check(process, spec, effective);
    const now = isoTime(this.options.clock.now());
    const record: TriggerRecord = {
      triggerId: `trg_${randomBytes(12).toString('base64url')}`,
      process,
      source: 'runtime',
      spec: checked,
      paused: false,
      ...(note !== undefined ? { note } : {}),
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await this.#write(record, 'create', actor, undefined, 0);
    return record;
  }

  /**
   * Pauses / resumes / notes any trigger; changes the spec of a runtime one.
   * With `version`, the change applies only to that version (optimistic concurrency: a concurrent change is a
   * 409). Without one the caller asked for no condition: a concurrent change is read again and the patch applied
   * to it (last writer wins), up to {@link UNCONDITIONAL_ATTEMPTS} times.
   * @throws {NotFoundError} {ValidationError} {ConflictError} (a static trigger's spec, a concurrent change)
   */
  async update(triggerId: string, patch: TriggerPatch, actor: string): Promise<TriggerRecord> {
    for (let attempt = 1; ; attempt++) {
      const written = await this.#updateOnce(triggerId, patch, actor);
      if (written) return written;
      if (patch.version !== undefined || attempt >= UNCONDITIONAL_ATTEMPTS) throw new ConflictError(`trigger '${triggerId}' changed meanwhile; read it again`);
    }
  }

  /** The patch applied to the trigger as read now; `undefined` when another write came first. */
  async #updateOnce(triggerId: string, patch: TriggerPatch, actor: string): Promise<TriggerRecord | undefined> {
    const current = await this.get(triggerId);
    if (patch.version !== undefined && patch.version !== current.version) {
      throw new ConflictError(`trigger '${triggerId}' is at version ${current.version}, not ${patch.version}: it changed since it was read; read it again`);
    }
    let spec = current.spec;
    if (patch.spec !== undefined) {
      if (current.source === 'static') throw new ConflictError(`trigger '${triggerId}' is declared in serverless.yml: change it there (only paused and note can be set here)`);
      if ('kind' in patch.spec && patch.spec.kind !== current.spec.kind) throw new ValidationError('a trigger\'s kind cannot change: delete it and create another', [{ path: 'spec.kind', message: 'cannot change' }]);
      const merged = triggerSpec.safeParse({ ...current.spec, ...patch.spec, kind: current.spec.kind });
      if (!merged.success) throw validationErrorOf(merged.error, 'body');
      const others = (await this.effective()).filter((t) => t.triggerId !== triggerId);
      spec = this.options.check(current.process, merged.data, others);
    }
    const next: TriggerRecord = {
      ...current,
      spec,
      paused: patch.paused ?? current.paused,
      ...(patch.note !== undefined ? { note: patch.note } : {}),
      updatedAt: isoTime(this.options.clock.now()),
      version: current.version + 1,
    };
    if (current.source === 'static' && next.createdAt === undefined) next.createdAt = next.updatedAt;
    const action: TriggerAction = patch.spec !== undefined || patch.note !== undefined || patch.paused === undefined || patch.paused === current.paused ? 'update' : patch.paused ? 'pause' : 'resume';
    return (await this.#put(next, action, actor, current, current.version)) ? next : undefined;
  }

  /** @throws {NotFoundError} {ConflictError} (a static trigger) */
  async delete(triggerId: string, actor: string): Promise<void> {
    const current = await this.get(triggerId);
    if (current.source === 'static') throw new ConflictError(`trigger '${triggerId}' is declared in serverless.yml: remove it there, or pause it here`);
    const change: TriggerChange = { triggerId, at: isoTime(this.options.clock.now()), actor, action: 'delete', before: current };
    const written = await this.options.registry.delete(triggerId, change, current.version);
    if (!written.written) throw new ConflictError(`trigger '${triggerId}' changed meanwhile; read it again`);
    await this.options.apply(await this.effective(), triggerId);
  }

  history(triggerId: string, page: { limit: number; cursor?: string }) {
    return this.options.registry.history(triggerId, page);
  }

  /** Static triggers with their stored state, then runtime triggers (oldest first). */
  async effective(): Promise<TriggerRecord[]> {
    const stored = new Map((await this.options.registry.list()).map((r) => [r.triggerId, r]));
    const statics = [...this.#statics.values()].map((s): TriggerRecord => {
      const state = stored.get(s.triggerId);
      return {
        triggerId: s.triggerId,
        process: s.process,
        source: 'static',
        spec: s.spec,
        paused: state?.paused ?? s.disabled === true,
        ...(state?.note !== undefined ? { note: state.note } : {}),
        ...(state?.createdAt !== undefined ? { createdAt: state.createdAt } : {}),
        ...(state?.updatedAt !== undefined ? { updatedAt: state.updatedAt } : {}),
        version: state?.version ?? 0,
      };
    });
    const runtime = [...stored.values()]
      .filter((r) => r.source === 'runtime' && this.options.processes.has(r.process))
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.triggerId.localeCompare(b.triggerId));
    return [...statics, ...runtime];
  }

  async #write(record: TriggerRecord, action: TriggerAction, actor: string, before: TriggerRecord | undefined, expectedVersion: number): Promise<void> {
    if (!(await this.#put(record, action, actor, before, expectedVersion))) throw new ConflictError(`trigger '${record.triggerId}' changed meanwhile; read it again`);
  }

  /** Writes record and audit entry if the stored version is still `expectedVersion`, then applies; false when it was not. */
  async #put(record: TriggerRecord, action: TriggerAction, actor: string, before: TriggerRecord | undefined, expectedVersion: number): Promise<boolean> {
    const change: TriggerChange = { triggerId: record.triggerId, at: record.updatedAt!, actor, action, after: record, ...(before ? { before } : {}) };
    const written = await this.options.registry.put(record, change, expectedVersion);
    if (!written.written) return false;
    await this.options.apply(await this.effective(), record.triggerId);
    return true;
  }
}

/** A static trigger's id: stable across restarts and deploys, from its process and declaration. */
export function staticTriggerId(process: string, spec: TriggerSpec): string {
  const key = (() => {
    switch (spec.kind) {
      case 'http':
        return `${spec.method} ${spec.path}`;
      case 'schedule':
        return spec.expression + '\u0000' + JSON.stringify(spec.input ?? null);
      case 'queue':
        return spec.queue;
      case 'event':
        return `${spec.label}\u0000${spec.source ?? ''}\u0000${spec.target ?? ''}`;
    }
  })();
  return `st_${createHash('sha256').update(`${process}\u0000${spec.kind}\u0000${key}`).digest('base64url').slice(0, 16)}`;
}
