import type { z } from 'zod';
import type { Payload } from '../task/Payload.js';
import type { LogLevel, TriggerType } from '../task/TaskRecord.js';
import type { DataEventAgent } from '../agents/DataEventAgent.js';
import type { DatabaseAgent } from '../agents/DatabaseAgent.js';
import type { FileStorageAgent } from '../agents/FileStorageAgent.js';
import type { HttpAgent } from '../agents/HttpAgent.js';
import type { MailAgent } from '../agents/MailAgent.js';
import type { KeyValueAgent } from '../agents/KeyValueAgent.js';

/** The identity and progress of the running task, as `ctx.task`. */
export interface TaskInfo {
  readonly id: string;
  readonly process: string;
  /** 1 on the first delivery, 2 on the first retry, ... */
  readonly attempt: number;
  readonly trigger: TriggerType;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  /** The logic running now. */
  readonly currentLogic: string | undefined;
  /** Logics whose `run` or `handleError` already finished, in order. */
  readonly executedLogics: readonly string[];
}

/** Per-task storage shared by the logics of one task. Values are JSON. */
export interface SessionStorage {
  get<T = unknown>(key: string): T | undefined;
  /** Stores a copy of a JSON-serialisable value; throws on anything else. */
  set(key: string, value: unknown): void;
  has(key: string): boolean;
  delete(key: string): boolean;
  keys(): string[];
}

/** A logger whose lines are stored with the task, tagged by logic. */
export interface TaskLogger {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
  log(level: LogLevel, message: string, data?: unknown): void;
}

/** Controls the HTTP response of a synchronous route. Ignored by other triggers. */
export interface ResponseControl {
  status(code: number): ResponseControl;
  header(name: string, value: string): ResponseControl;
}

/** What every logic receives. `I` is the type of the validated input. */
export interface LogicContext<I = unknown> {
  readonly task: TaskInfo;
  readonly payload: Payload;
  /** The validated input (see {@link inputOf}). */
  readonly input: I;
  readonly session: SessionStorage;
  readonly log: TaskLogger;
  /**
   * Aborts when the process timeout elapses, and once the task has ended
   * (whatever its outcome: what an agent still holds for the task is then
   * released); pass it to fetch, database drivers...
   */
  readonly signal: AbortSignal;
  readonly response: ResponseControl;
  /**
   * The agents (LOC's DatabaseAgent, FileStorageAgent, HttpAgent, MailAgent),
   * each reached through a named connection of `custom.sluice.connections`
   * that the function is granted (`functions.<fn>.sluice.connections`). The
   * agent is bound to this task: its calls end at the process timeout
   * (`signal`) and each writes one line to the task's log.
   *
   * @throws {ConnectionNotGrantedError} (not retriable) for a connection that is
   *   not declared, not granted to this function, or of another kind
   */
  db(connection: string): DatabaseAgent;
  /** The service's key-value store with TTL (LOC's local storage), shared by every task; see {@link KeyValueAgent}. */
  readonly kv: KeyValueAgent;
  /** LOC's event store: data events published with the task's outcome, searchable, forming the lineage graph; see {@link DataEventAgent}. */
  readonly events: DataEventAgent;
  files(connection: string): FileStorageAgent;
  http(connection: string): HttpAgent;
  mail(connection: string): MailAgent;
}

/** The error a `handleError` receives: what failed, and where. */
export interface RailwayError {
  readonly name: string;
  readonly message: string;
  /** The logic whose `run` threw. */
  readonly logic: string;
  readonly stack?: string;
  /** The original thrown value. */
  readonly cause: unknown;
}

/** One step of a data process. */
export interface Logic<I = unknown> {
  readonly name: string;
  run(ctx: LogicContext<I>): unknown;
  /**
   * Runs instead of `run` once an earlier logic (or this one) failed.
   * Throwing here ends the task as a system error at once, without retries
   * and without running any later logic.
   */
  handleError?(ctx: LogicContext<I>, error: RailwayError): unknown;
}

/** The final step: its return value is the task result. */
export interface Aggregator<I = unknown, R = unknown> {
  readonly name: string;
  run(ctx: LogicContext<I>): R | Promise<R>;
  /** Its return value, if not `undefined`, is stored as the result of the failed task. */
  handleError?(ctx: LogicContext<I>, error: RailwayError): unknown;
}

/** What a process module declares with {@link defineProcess}. */
export interface ProcessSpec<S extends z.ZodType | undefined = undefined, R = unknown> {
  /** Defaults to the function key in `serverless.yml`; must match it when given. */
  name?: string;
  description?: string;
  /** Validates {@link LogicContext.input}; a violation is a 400 at the edge. */
  input?: S;
  /** Run in order; at least one. */
  logics: ReadonlyArray<Logic<InputOf<S>>>;
  aggregator: Aggregator<InputOf<S>, R>;
}

export type InputOf<S> = S extends z.ZodType ? z.output<S> : unknown;

/** A validated, frozen process definition. */
export interface ProcessDefinition<I = unknown, R = unknown> {
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly input: z.ZodType<I> | undefined;
  readonly logics: ReadonlyArray<Logic<I>>;
  readonly aggregator: Aggregator<I, R>;
}
