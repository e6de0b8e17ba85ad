import type { ResponseControl } from '../process/types.js';

/** Status and headers a process asked its synchronous HTTP response to have. */
export interface HttpResponseSpec {
  /** Undefined: the runtime's default (200 on success). */
  status?: number;
  /** Lower-case names, one value each (repeated names already combined, see {@link HttpResponseControl.header}). */
  headers: Record<string, string>;
  /** Every `Set-Cookie` value, in call order; absent when none was set. */
  cookies?: string[];
}

/** What node's HTTP writer refuses, and RFC 9110 §5.5 forbids, in a field value. */
const FIELD_VALUE_INVALID = /[^\t\x20-\x7e\x80-\xff]/u;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the platform owns: framing, and the task id it reports itself.
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'x-sluice-task-id']);
/**
 * Fields that hold one value (RFC 9110 defines no list syntax for them):
 * setting one again replaces it, as a later logic overriding an earlier
 * one's choice expects; every other repeated field keeps all its values.
 */
const SINGLETONS = new Set([
  'content-type',
  'content-location',
  'content-range',
  'content-disposition',
  'location',
  'etag',
  'last-modified',
  'expires',
  'retry-after',
  'age',
  'date',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-max-age',
]);

/**
 * `ctx.response`: validated at the call, so a bad status or a header with a
 * line break fails inside the logic that set it (a railway error naming that
 * logic), not later when the response is written.
 */
export class HttpResponseControl implements ResponseControl {
  #status: number | undefined;
  readonly #headers: Record<string, string> = {};
  readonly #cookies: string[] = [];

  status(code: number): ResponseControl {
    if (!Number.isInteger(code) || code < 200 || code > 599) {
      throw new RangeError(`response status must be an integer from 200 to 599, got ${code}`);
    }
    this.#status = code;
    return this;
  }

  /**
   * Adds a response header. A repeated name keeps every value:
   * - `set-cookie`: each value is its own `Set-Cookie` line (embedded
   *   runtime) or entry of the payload 2.0 result's `cookies` (AWS), since
   *   cookies cannot be comma-joined;
   * - single-valued fields (`content-type`, `location`, `etag`...): the
   *   later value replaces the earlier;
   * - any other field: values are joined with `, ` (RFC 9110 §5.3), the one
   *   line both runtimes send.
   *
   * @throws {TypeError} an invalid name, a platform-owned name, a value with a
   *   character a header field cannot carry (RFC 9110 §5.5: only HTAB, SP, visible
   *   ASCII and bytes 0x80-0xFF; so no CR, LF, NUL, other controls or characters
   *   above U+00FF — percent-encode those, or use RFC 8187's `filename*=UTF-8''…`)
   */
  header(name: string, value: string): ResponseControl {
    const key = String(name).toLowerCase();
    if (!TOKEN.test(key)) throw new TypeError(`invalid response header name '${name}'`);
    if (RESERVED.has(key)) throw new TypeError(`response header '${key}' is set by the platform`);
    const text = String(value);
    const bad = FIELD_VALUE_INVALID.exec(text);
    if (bad) {
      const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      const what = /[\r\n\0]/.test(bad[0]) ? 'a line break or NUL' : `U+${code}, which a header field cannot carry`;
      throw new TypeError(`response header '${key}' contains ${what} (at index ${bad.index}); percent-encode it`);
    }
    if (key === 'set-cookie') this.#cookies.push(text);
    else if (key in this.#headers && !SINGLETONS.has(key)) this.#headers[key] = `${this.#headers[key]}, ${text}`;
    else this.#headers[key] = text;
    return this;
  }

  spec(): HttpResponseSpec {
    const spec: HttpResponseSpec = { headers: { ...this.#headers } };
    if (this.#status !== undefined) spec.status = this.#status;
    if (this.#cookies.length > 0) spec.cookies = [...this.#cookies];
    return spec;
  }
}
