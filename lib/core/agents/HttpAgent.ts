/**
 * The HTTP agent a logic gets from `ctx.http(name)` (LOC's HttpAgent): the
 * connection fixes the base URL, default headers, auth, timeout, response
 * size cap and retry policy; the logic passes a path. Outbound requests go
 * through the SSRF guard (checked at connect time, on every hop).
 */
export interface HttpAgent {
  /**
   * `path` is resolved against the connection's `baseUrl` and must stay under
   * it (`../` out of the base, another origin, a scheme: refused). Returns a
   * WHATWG `Response` (any status: a 4xx/5xx is not thrown, except when
   * retries of 429/502/503/504 are exhausted, which returns the last one).
   *
   * @throws {AgentRefusedError} a path outside the base, a blocked address, a body over the size cap
   * @throws {AgentError} connection errors after the retries
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}
