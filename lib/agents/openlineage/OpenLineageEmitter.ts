import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, fetch } from 'undici';
import type { OpenLineageRunEvent } from '../../core/openlineage/OpenLineageRunEvent.js';
import { backoffDelayMs } from '../http/retryPolicy.js';

/** OpenLineage's HTTP transport posts to `{url}/api/v1/lineage` (https://openlineage.io/docs/client/python#http-transport), as Marquez serves it. */
export const DEFAULT_OPENLINEAGE_ENDPOINT = 'api/v1/lineage';

export interface OpenLineageEmitterOptions {
  /** Base URL, http(s) (`custom.sluice.openlineage.url`). */
  url: string;
  /** Path under `url`. @default {@link DEFAULT_OPENLINEAGE_ENDPOINT} */
  endpoint?: string;
  /** The resolved API key, sent as `Authorization: Bearer <key>`; never logged nor reported. */
  apiKey?: string;
  /** Attempts per event, the first included. @default 3 */
  maxAttempts?: number;
  /** Each attempt's time limit, connection to response headers, in ms. @default 5000 */
  timeoutMs?: number;
  /** Backoff between attempts, full jitter: uniform in [0, min(maxDelayMs, baseDelayMs·2^(n-1))). @default 200 and 5000 ms */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told of every event that could not be delivered. @default one `console.warn` line */
  onFailure?(failure: OpenLineageEmitFailure): void;
  /** The undici dispatcher (a proxy agent, a test's). @default undici's global one */
  dispatcher?: Dispatcher;
}

/** An event given up on: which one, after how many attempts, why (no key, no body). */
export interface OpenLineageEmitFailure {
  runId: string;
  eventType: OpenLineageRunEvent['eventType'];
  /** `namespace/name` of the job. */
  job: string;
  attempts: number;
  /** The last response's status, when there was one. */
  status?: number;
  reason: string;
}

export interface OpenLineageEmitResult {
  sent: number;
  failed: number;
}

/** Worth another attempt: timeout, throttling, a server error. Other 4xx (a refused event, bad credentials) will not change. */
const RETRIABLE = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Pushes OpenLineage run events to an HTTP endpoint (Marquez or any
 * OpenLineage HTTP backend: `POST` one event as JSON per request, spec
 * https://openlineage.io/apidocs/openapi/), for `custom.sluice.openlineage`.
 *
 * - Events are sent one at a time, in the order given (a run's `START`
 *   before its `COMPLETE`).
 * - Each gets at most `maxAttempts`, each bounded by `timeoutMs`; network
 *   errors, timeouts, 408, 429 and 5xx are retried after a jittered
 *   exponential backoff; another status is final.
 * - {@link emit} never rejects: lineage must not fail or slow the tasks it
 *   describes beyond its bounds. What could not be sent goes to `onFailure`
 *   (the API key is never part of it).
 *
 * @example
 * const emitter = new OpenLineageEmitter({ url: 'http://marquez:5000', apiKey, onFailure: (f) => log.warn('openlineage', f) });
 * await emitter.emit(runEventsOf(task, events, source));
 */
export class OpenLineageEmitter {
  readonly #target: string;
  readonly #headers: Record<string, string>;
  readonly #apiKey: string | undefined;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #backoff: { baseDelayMs: number; maxDelayMs: number };
  readonly #onFailure: (failure: OpenLineageEmitFailure) => void;
  readonly #dispatcher: Dispatcher | undefined;

  /** @throws {TypeError} when `url` (with `endpoint`) is not an http(s) URL */
  constructor(options: OpenLineageEmitterOptions) {
    const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
    const target = new URL((options.endpoint ?? DEFAULT_OPENLINEAGE_ENDPOINT).replace(/^\/+/, ''), base);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`OpenLineage url must be http(s), not ${target.protocol}`);
    this.#target = target.href;
    this.#apiKey = options.apiKey || undefined;
    this.#headers = { 'content-type': 'application/json', ...(this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {}) };
    this.#maxAttempts = Math.max(1, Math.trunc(options.maxAttempts ?? 3));
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#backoff = { baseDelayMs: options.baseDelayMs ?? 200, maxDelayMs: options.maxDelayMs ?? 5_000 };
    this.#onFailure = options.onFailure ?? ((f) => console.warn(`[sluice] OpenLineage event not delivered: ${f.job} ${f.eventType} run ${f.runId} after ${f.attempts} attempt(s): ${f.reason}`));
    this.#dispatcher = options.dispatcher;
  }

  /** Where events are posted: `{url}/{endpoint}`. */
  get target(): string {
    return this.#target;
  }

  /** Sends `events` in order; resolves when each is delivered or given up on. Never rejects. */
  async emit(events: readonly OpenLineageRunEvent[]): Promise<OpenLineageEmitResult> {
    const result: OpenLineageEmitResult = { sent: 0, failed: 0 };
    for (const event of events) {
      const failure = await this.#send(event);
      if (!failure) {
        result.sent++;
        continue;
      }
      result.failed++;
      try {
        this.#onFailure(failure);
      } catch {
        // A throwing reporter must not turn into the caller's error.
      }
    }
    return result;
  }

  async #send(event: OpenLineageRunEvent): Promise<OpenLineageEmitFailure | undefined> {
    let body: string;
    try {
      body = JSON.stringify(event);
    } catch (error) {
      return this.#failure(event, 0, undefined, `not JSON: ${(error as Error).message}`);
    }
    let status: number | undefined;
    let reason = 'not sent';
    let attempts = 0;
    while (attempts < this.#maxAttempts) {
      if (attempts > 0) await sleep(backoffDelayMs(attempts, this.#backoff));
      attempts++;
      status = undefined;
      try {
        const response = await fetch(this.#target, {
          method: 'POST',
          headers: this.#headers,
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
          ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
        });
        // Release the connection; the answer's body is not needed (nor reported: it could echo the request).
        await response.body?.cancel().catch(() => {});
        if (response.ok) return undefined;
        status = response.status;
        reason = `HTTP ${response.status}`;
        if (!RETRIABLE(response.status)) break;
      } catch (error) {
        reason = this.#describe(error);
      }
    }
    return this.#failure(event, attempts, status, reason);
  }

  #failure(event: OpenLineageRunEvent, attempts: number, status: number | undefined, reason: string): OpenLineageEmitFailure {
    return {
      runId: event.run?.runId,
      eventType: event.eventType,
      job: `${event.job?.namespace}/${event.job?.name}`,
      attempts,
      ...(status !== undefined ? { status } : {}),
      reason: this.#redact(reason),
    };
  }

  #describe(error: unknown): string {
    const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError') return `timed out after ${this.#timeoutMs} ms`;
    const cause = e?.cause?.code ?? e?.cause?.message;
    return cause ? `${e?.message ?? 'failed'} (${cause})` : String(e?.message ?? error);
  }

  /** Belt and braces: an error message should never hold the key, but if one did, it is cut out. */
  #redact(text: string): string {
    return this.#apiKey ? text.split(this.#apiKey).join('***') : text;
  }
}
