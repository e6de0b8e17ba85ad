import type { ReadableStreamReadResult } from 'node:stream/web';
import { Response } from 'undici';

/** Statuses whose response has no body (Fetch: null body status). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

export interface BodyLimits {
  /** Decoded bytes the body may have. */
  maxBytes: number;
  /** The error a read past `maxBytes` fails with. */
  tooLarge: () => Error;
  /** The error a failed read (reset, timeout, abort) fails with, given the transport's. */
  failed: (error: unknown) => Error;
  /** undici's `redirected` is false when redirects were followed by hand: the caller's value. */
  redirected: boolean;
}

/**
 * The same response with its body limited to `maxBytes` decoded bytes:
 * reading past the cap errors the stream with `tooLarge()` (which is what
 * `.text()`, `.json()`, `.arrayBuffer()` reject with) and cancels the
 * transfer; a transport failure while reading (timeout, reset, task abort)
 * errors it with `failed(error)`. `url`, status and headers are kept.
 *
 * The caller refuses a `Content-Length` over the cap before calling this;
 * the stream check covers chunked and compressed bodies.
 */
export function limitResponseBody(response: Response, limits: BodyLimits): Response {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  let limited: Response;
  if (response.body === null || NULL_BODY_STATUSES.has(response.status)) {
    limited = new Response(null, init);
  } else {
    const reader = response.body.getReader();
    let seen = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          controller.error(limits.failed(error));
          return;
        }
        if (chunk.done) {
          controller.close();
          return;
        }
        seen += chunk.value.byteLength;
        if (seen > limits.maxBytes) {
          controller.error(limits.tooLarge());
          await reader.cancel().catch(() => undefined);
          return;
        }
        controller.enqueue(chunk.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    limited = new Response(body, init);
  }
  // A constructed Response has an empty url and redirected=false: keep the fetched ones.
  Object.defineProperty(limited, 'url', { value: response.url, enumerable: true });
  Object.defineProperty(limited, 'redirected', { value: limits.redirected, enumerable: true });
  return limited;
}
