/**
 * The dashboard's only way to the platform API: same origin, the bearer
 * token from session storage (never a URL, never local storage: it goes
 * with the tab), JSON both ways. A 401 forgets the token and tells the app,
 * which shows the login form again.
 */

// The API's own types (type-only: nothing of lib/ is bundled).
export type { LineageEdge, LineageGraph } from '../../lib/core/events/walkLineage.js';
export type { DataEvent } from '../../lib/core/events/DataEvent.js';
import type { TaskStatus } from '../../lib/core/task/TaskRecord.js';
export type { TaskStatus };

const TOKEN_KEY = 'sluice.apiToken';

/** A non-2xx answer, with the API's `{ error, message, issues? }` body when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; issues?: Array<{ path: string; message: string }> } | undefined,
    readonly path: string,
  ) {
    super(body?.message ?? `${path} answered ${status}`);
  }
}

let onUnauthorized: () => void = () => {};

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  login(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  logout(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
  /** Called when a request is refused with 401 (the token is forgotten first). */
  onUnauthorized(handler: () => void): void {
    onUnauthorized = handler;
  },
};

/**
 * Calls the platform API.
 * @param path `/sluice/...` with its query
 * @throws {ApiError} on a non-2xx answer
 */
export async function api<T>(path: string, init: { method?: string; json?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = init.token ?? session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = { message: text.slice(0, 500) };
  }
  if (!response.ok) {
    if (response.status === 401 && init.token === undefined) {
      session.logout();
      onUnauthorized();
    }
    throw new ApiError(response.status, body as ApiError['body'], path);
  }
  return body as T;
}

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** What `errorText` makes of any failure: the API's message and its field issues (once: not when the message already lists them). */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const issues = error.body?.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
    // A 400's message already ends with its issues (`invalid body: path: message`): said once.
    if (issues && error.message.includes(issues)) return `${error.status} ${error.body?.error ?? ''}: ${error.message}`.replace(' :', ':');
    return `${error.status} ${error.body?.error ?? ''}: ${error.message}${issues ? ` (${issues})` : ''}`.replace(' :', ':');
  }
  return error instanceof Error ? error.message : String(error);
}

// ---- Shapes of the platform API (README "The platform API"), as the dashboard reads them. ----

export const TASK_STATUSES: readonly TaskStatus[] = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'];
export const TRIGGER_TYPES = ['http', 'api', 'queue', 'schedule', 'event'] as const;
export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);

export interface TaskError {
  kind: string;
  name: string;
  message: string;
  logic?: string;
  issues?: Array<{ path: string; message: string }>;
  stack?: string;
}

export interface LogEntry {
  time: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  logic?: string;
  message: string;
  data?: unknown;
}

export interface TaskSummary {
  taskId: string;
  process: string;
  status: TaskStatus;
  trigger: { type: string } & Record<string, unknown>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  error?: TaskError;
  replayOf?: string;
  replays?: string[];
  cancelRequestedAt?: string;
}

export interface TaskRecord extends TaskSummary {
  result?: unknown;
  logs: LogEntry[];
  payload?: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface ProcessInfo {
  name: string;
  description?: string;
  timeoutSeconds: number;
  async: boolean;
  railway?: string[];
  triggers: Record<string, unknown[]>;
}

export interface TaskCounts {
  since: string;
  until: string;
  items: Array<{ process: string; counts: Partial<Record<TaskStatus, number>> }>;
}

/** Who may call an http trigger (lib/core/triggers/TriggerSpec.ts): a declared authorizer with optional JWT scopes, or IAM. Absent: anyone. */
export type HttpAuthorizer = 'aws_iam' | { name: string; scopes?: string[] };

export interface TriggerInfo {
  triggerId: string;
  process: string;
  source: 'static' | 'runtime';
  spec: { kind: 'http' | 'schedule' | 'queue' | 'event' } & Record<string, unknown>;
  paused: boolean;
  note?: string;
  version: number;
  next?: string[];
}

export interface QueueInfo {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetter?: { queue: string; maxReceiveCount: number };
  deadLetterFor: string[];
}

export interface PeekedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: string;
  taskId?: string;
  task?: { taskId: string; process: string; status: TaskStatus; attempts: number; error?: TaskError };
}

