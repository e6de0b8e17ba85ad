import type { DataEvent } from '../core/events/DataEvent.js';
import type { ProcessTaskCounts, TaskRecord, TaskStatus, TaskSummary } from '../core/task/TaskRecord.js';
import type { TriggerChange, TriggerRecord } from '../core/triggers/TriggerRecord.js';
import type { PeekedMessage, QueueInfo } from '../platform/QueueConsole.js';
import { ApiError, CliError } from './CliError.js';
import { ExitCode } from './exitCodes.js';
import type { Target } from './resolveTarget.js';

/** A process as `GET /sluice/processes` lists it. */
export interface ProcessInfo {
  name: string;
  description?: string;
  timeoutSeconds: number;
  async: boolean;
  triggers: { http: Array<{ method: string; path: string }>; queues: Array<{ queue: string }>; schedules: Array<{ rule: string; expression: string; enabled: boolean }> };
}

/** `POST /sluice/tasks`' 202 body. */
export interface AcceptedTask {
  taskId: string;
  process: string;
  status: TaskStatus;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** The lineage graph of `GET /sluice/lineage` (the core's own type: the route sends walkLineage's answer as is). */
import type { LineageGraph } from '../core/events/walkLineage.js';
export type { LineageGraph };

/** The filter of a bulk replay (`POST /sluice/tasks/replay`); times ISO-8601. */
export interface ReplayFilter {
  process?: string;
  status?: TaskStatus;
  since?: string;
  until?: string;
}

/**
 * What a replay answers. The routes are being added on another branch; the
 * CLI reads the fields it knows and shows the rest as JSON.
 */
export interface ReplayAnswer {
  taskId?: string;
  taskIds?: string[];
  matched?: number;
  dryRun?: boolean;
  [field: string]: unknown;
}

/** `GET /sluice/tasks/counts`' body. */
export interface TaskCounts {
  since: string;
  until: string;
  items: ProcessTaskCounts[];
}

/** `POST /sluice/tasks/replay`'s report (fields read leniently: an older runtime may lack some). */
export interface BulkReplayReport {
  dryRun?: boolean;
  matched?: number;
  replayed?: number;
  alreadyReplayed?: number;
  noPayload?: number;
  skipped?: number;
  truncated?: boolean;
  nextCursor?: string;
}

type Query = Record<string, string | number | undefined>;

/**
 * Typed calls to the platform API (`/sluice/*`, README "The platform API"),
 * with a bearer token (embedded runtime) or SigV4 (AWS). Every failure is a
 * {@link CliError} with the exit code it deserves and a message that says
 * what to do: no runtime at the URL, how to give the token, the list of
 * processes for an unknown one.
 */
export class PlatformClient {
  readonly url: string;
  readonly #fetch: typeof fetch;
  readonly #target: Target;
  #processes: Promise<ProcessInfo[]> | undefined;

  constructor(target: Target, options: { fetch?: typeof fetch } = {}) {
    this.#target = target;
    this.url = target.url;
    const base = options.fetch ?? fetch;
    this.#fetch = target.kind === 'sigv4' ? lazySignedFetch(target.region, base) : base;
  }

  processes(): Promise<ProcessInfo[]> {
    this.#processes ??= this.request<Page<ProcessInfo>>('GET', '/sluice/processes').then((page) => page.items);
    return this.#processes;
  }

  /**
   * @throws {ApiError} exit 3 "unknown process 'x'; processes: a, b" when the runtime has no such process
   */
  async checkProcess(name: string): Promise<ProcessInfo> {
    const found = (await this.processes()).find((p) => p.name === name);
    if (!found) throw await this.#unknownProcess(name);
    return found;
  }

  async submitTask(process: string, payload: unknown, idempotencyKey?: string): Promise<AcceptedTask> {
    try {
      return await this.request<AcceptedTask>('POST', '/sluice/tasks', {
        json: { process, ...(payload !== undefined ? { payload } : {}) },
        ...(idempotencyKey !== undefined ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
      });
    } catch (error) {
      if (error instanceof ApiError && error.body?.error === 'UnknownProcessError') throw await this.#unknownProcess(process);
      throw error;
    }
  }

  task(taskId: string): Promise<TaskRecord> {
    return this.request('GET', `/sluice/tasks/${encodeURIComponent(taskId)}`);
  }

  /** `GET /sluice/tasks`: the filters are the server's (`trigger`, `since`, `until` ISO-8601). */
  listTasks(query: { process?: string; status?: string; trigger?: string; since?: string; until?: string; limit?: number; cursor?: string }): Promise<Page<TaskSummary>> {
    return this.request('GET', '/sluice/tasks', { query });
  }

  /** `GET /sluice/tasks/counts`: tasks created in the window (default: the last 24 h) per process by status. */
  taskCounts(query: { since?: string; until?: string; process?: string }): Promise<TaskCounts> {
    return this.request('GET', '/sluice/tasks/counts', { query });
  }

  /** `POST /sluice/tasks/{id}/replay`: a new task with the same process and its kept payload, or `payload` instead. */
  replayTask(taskId: string, payload?: unknown): Promise<ReplayAnswer> {
    return this.#newer('POST /sluice/tasks/{id}/replay', this.request('POST', `/sluice/tasks/${encodeURIComponent(taskId)}/replay`, { json: payload === undefined ? {} : { payload } }));
  }

  /**
   * `POST /sluice/tasks/replay`: the tasks matching the filter, once per
   * `idempotencyKey`, at most `maxTasks` per request; a `truncated` report's
   * `nextCursor`, given back as `cursor`, goes on where it stopped.
   */
  replayTasks(filter: ReplayFilter, dryRun: boolean, idempotencyKey: string, page: { maxTasks?: number; cursor?: string } = {}): Promise<BulkReplayReport> {
    return this.#newer(
      'POST /sluice/tasks/replay',
      this.request('POST', '/sluice/tasks/replay', { json: { filter, dryRun, ...page }, headers: { 'idempotency-key': idempotencyKey } }),
    );
  }

  /** `POST /sluice/tasks/{id}/cancel` (another branch). */
  cancelTask(taskId: string): Promise<Record<string, unknown>> {
    return this.#newer('POST /sluice/tasks/{id}/cancel', this.request('POST', `/sluice/tasks/${encodeURIComponent(taskId)}/cancel`, { json: {} }));
  }

  listTriggers(query: { process?: string; kind?: string }): Promise<Page<TriggerRecord & Record<string, unknown>>> {
    return this.request('GET', '/sluice/triggers', { query });
  }

  createTrigger(body: Record<string, unknown>): Promise<TriggerRecord> {
    return this.request('POST', '/sluice/triggers', { json: body });
  }

  updateTrigger(triggerId: string, patch: Record<string, unknown>): Promise<TriggerRecord> {
    return this.request('PATCH', `/sluice/triggers/${encodeURIComponent(triggerId)}`, { json: patch });
  }

  async deleteTrigger(triggerId: string): Promise<void> {
    await this.request('DELETE', `/sluice/triggers/${encodeURIComponent(triggerId)}`);
  }

  triggerHistory(triggerId: string, query: { limit?: number; cursor?: string }): Promise<Page<TriggerChange>> {
    return this.request('GET', `/sluice/triggers/${encodeURIComponent(triggerId)}/history`, { query });
  }

  fireTrigger(triggerId: string, input: unknown): Promise<{ taskId: string }> {
    return this.request('POST', `/sluice/triggers/${encodeURIComponent(triggerId)}/fire`, { json: input === undefined ? {} : { input } });
  }

  searchEvents(query: Query): Promise<Page<DataEvent>> {
    return this.request('GET', '/sluice/events', { query });
  }

  lineage(query: Query): Promise<LineageGraph> {
    return this.request('GET', '/sluice/lineage', { query });
  }

  queues(): Promise<QueueInfo[]> {
    return this.request<Page<QueueInfo>>('GET', '/sluice/queues').then((page) => page.items);
  }

  /** `GET /sluice/queues/{queue}/messages`: each message with its task's status and error (`task`, when the message names one the store has). */
  peekMessages(queue: string, query: { limit?: number; cursor?: string }): Promise<Page<PeekedMessage & { task?: Pick<TaskRecord, 'taskId' | 'process' | 'status' | 'attempts' | 'error'> }>> {
    return this.request('GET', `/sluice/queues/${encodeURIComponent(queue)}/messages`, { query });
  }

  redrive(deadLetterQueue: string): Promise<{ moved: number; to: string }> {
    return this.request('POST', `/sluice/queues/${encodeURIComponent(deadLetterQueue)}/redrive`);
  }

  /** `POST /sluice/queues/{queue}/purge`: deletes every message of the queue. */
  purge(queue: string): Promise<{ purged: number }> {
    return this.#newer('POST /sluice/queues/{queue}/purge', this.request('POST', `/sluice/queues/${encodeURIComponent(queue)}/purge`));
  }

  kvGet(key: string): Promise<{ key: string; value: unknown; updatedAt: string; expiresAt?: string; taskId?: string }> {
    return this.request('GET', kvPath(key));
  }

  kvSet(key: string, value: unknown, ttlSeconds?: number): Promise<{ key: string; value: unknown; updatedAt: string; expiresAt?: string }> {
    return this.request('PUT', kvPath(key), { json: { value, ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) } });
  }

  async kvDelete(key: string): Promise<void> {
    await this.request('DELETE', kvPath(key));
  }

  kvList(query: { prefix?: string; limit?: number; cursor?: string }): Promise<Page<{ key: string; value: unknown; updatedAt: string; expiresAt?: string }>> {
    return this.request('GET', '/sluice/kv', { query });
  }

  /**
   * One call: JSON in, JSON out (undefined for 204).
   *
   * @throws {CliError} exit 5 when nothing answers at the URL
   * @throws {ApiError} 401/403 (exit 4), other 4xx (3), 5xx (6)
   */
  async request<T>(method: string, path: string, options: { query?: Query; json?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const url = new URL(`${this.url}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.#target.kind === 'bearer' && this.#target.token !== undefined) headers.authorization = `Bearer ${this.#target.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await this.#fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (cause) {
      throw this.#unreachable(cause);
    }
    const text = await response.text();
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (response.ok) {
      if (text !== '' && parsed === undefined) throw new CliError(`${method} ${path}: the answer is not JSON (is ${this.url} a Sluice API?)`, ExitCode.serverError);
      return parsed as T;
    }
    throw this.#apiError(response.status, parsed as ApiError['body'], method, path);
  }

  #apiError(status: number, body: ApiError['body'], method: string, path: string): ApiError {
    const said = body?.message ?? `HTTP ${status}`;
    const issues = body?.issues?.length && !body.message ? `: ${body.issues.map((i) => `${i.path} ${i.message}`).join('; ')}` : '';
    if (status === 401 || status === 403) return new ApiError(this.#authHelp(status, said), ExitCode.unauthorized, status, body);
    if (status >= 500) return new ApiError(`${method} ${path} failed: ${said}`, ExitCode.serverError, status, body);
    if (status === 404 && body === undefined) {
      return new ApiError(`${method} ${path}: not found (${this.url} has no such route: an older runtime, or not a Sluice API?)`, ExitCode.refused, status, body);
    }
    return new ApiError(`${said}${issues}`, ExitCode.refused, status, body);
  }

  #authHelp(status: number, said: string): string {
    const target = this.#target;
    if (target.kind === 'sigv4') {
      return `${this.url} refused the request (${status}: ${said}): check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID…), the region (${target.region}) and that the identity may call execute-api:Invoke on /sluice/*`;
    }
    if (target.token === undefined) {
      return `${this.url} needs an API token: give --token, set SLUICE_API_TOKEN, or point --data-dir (SLUICE_DATA_DIR) at the runtime's data directory (no token in ${target.tokenSource})`;
    }
    return `${this.url} refused the API token from ${target.tokenSource} (${status}): give the runtime's token with --token or SLUICE_API_TOKEN, or the runtime's --data-dir`;
  }

  #unreachable(cause: unknown): CliError {
    const code = (cause as { cause?: { code?: string } })?.cause?.code;
    const local = this.#target.kind === 'bearer';
    const why = code ? ` (${code})` : '';
    return new CliError(
      local ? `no Sluice runtime at ${this.url}${why} (start one with \`sluice start\`, or give --url)` : `no Sluice API reachable at ${this.url}${why}`,
      ExitCode.unreachable,
      { cause },
    );
  }

  /** A route newer than some runtimes: its absence (404 "no route", 405) says so instead of a bare 404. */
  async #newer<T>(route: string, call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      const missing = error instanceof ApiError && (error.status === 405 || (error.status === 404 && /^no route /.test(error.body?.message ?? '')));
      if (missing) throw new ApiError(`${this.url} does not offer ${route} yet (a newer Sluice runtime has it)`, ExitCode.refused, error.status, error.body);
      throw error;
    }
  }

  async #unknownProcess(name: string): Promise<ApiError> {
    const names = (await this.processes()).map((p) => p.name).sort();
    return new ApiError(`unknown process '${name}'; processes: ${names.join(', ') || '(none)'}`, ExitCode.refused, 404, { error: 'UnknownProcessError' });
  }
}

/**
 * SigV4 signing, loaded on the first request: the AWS SDK's signer and
 * credential chain cost every other command's start-up time otherwise.
 */
function lazySignedFetch(region: string, base: typeof fetch): typeof fetch {
  let signed: Promise<typeof fetch> | undefined;
  return async (input, init) => {
    signed ??= import('./signedFetch.js').then(({ signedFetch }) => signedFetch({ region, fetch: base }));
    return (await signed)(input, init);
  };
}

/**
 * The key's path: the platform API decodes a route path twice (API Gateway's
 * rule), so each segment is encoded twice; `/` stays a separator (keys may hold it).
 */
function kvPath(key: string): string {
  return `/sluice/kv/${key.split('/').map((segment) => encodeURIComponent(encodeURIComponent(segment))).join('/')}`;
}
