import type { ResponseControl } from '../process/types.js';

/** Status and headers a process asked its synchronous HTTP response to have. */
export interface HttpResponseSpec {
  /** Undefined: the runtime's default (200 on success). */
  status?: number;
  /** Lower-case names. */
  headers: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the platform owns: framing, and the task id it reports itself.
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'x-sluice-task-id']);

/**
 * `ctx.response`: validated at the call, so a bad status or a header with a
 * line break fails inside the logic that set it (a railway error naming that
 * logic), not later when the response is written.
 */
export class HttpResponseControl implements ResponseControl {
  #status: number | undefined;
  readonly #headers: Record<string, string> = {};

  status(code: number): ResponseControl {
    if (!Number.isInteger(code) || code < 200 || code > 599) {
      throw new RangeError(`response status must be an integer from 200 to 599, got ${code}`);
    }
    this.#status = code;
    return this;
  }

  header(name: string, value: string): ResponseControl {
    const key = String(name).toLowerCase();
    if (!TOKEN.test(key)) throw new TypeError(`invalid response header name '${name}'`);
    if (RESERVED.has(key)) throw new TypeError(`response header '${key}' is set by the platform`);
    const text = String(value);
    if (/[\r\n\0]/.test(text)) throw new TypeError(`response header '${key}' contains a line break or NUL`);
    this.#headers[key] = text;
    return this;
  }

  spec(): HttpResponseSpec {
    return this.#status === undefined ? { headers: { ...this.#headers } } : { status: this.#status, headers: { ...this.#headers } };
  }
}
