import { Response } from 'undici';

/** Statuses whose response has no body (Fetch: null body status). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * The same response with its body limited to `maxBytes` decoded bytes:
 * reading past the cap errors the stream with `tooLarge()` (which is what
 * `.text()`, `.json()`, `.arrayBuffer()` reject with) and cancels the
 * transfer. `url`, status and headers are kept; `redirected` is the
 * caller's (redirects followed by hand leave undici's false).
 *
 * The caller refuses a `Content-Length` over the cap before calling this;
 * the stream check covers chunked and compressed bodies.
 */
export function limitResponseBody(response: Response, maxBytes: number, tooLarge: () => Error, redirected = response.redirected): Response {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  let limited: Response;
  if (response.body === null || NULL_BODY_STATUSES.has(response.status)) {
    limited = new Response(null, init);
  } else {
    let seen = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          controller.error(tooLarge());
          return;
        }
        controller.enqueue(chunk);
      },
    });
    limited = new Response(response.body.pipeThrough(counter), init);
  }
  // A constructed Response has an empty url and redirected=false: keep the fetched ones.
  Object.defineProperty(limited, 'url', { value: response.url, enumerable: true });
  Object.defineProperty(limited, 'redirected', { value: redirected, enumerable: true });
  return limited;
}
