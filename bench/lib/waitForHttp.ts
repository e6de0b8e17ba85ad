import type { ManagedChild } from './ChildProcesses.js';

/**
 * Polls `url` until it answers with a status below 500, failing early (with
 * the child's output) when the server process exits first, or after
 * `timeoutMs`.
 */
export async function waitForHttp(url: string, child: ManagedChild, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.hasExited) {
      const exit = await child.exited;
      throw new Error(`${child.name} exited (code ${exit.code}, signal ${exit.signal}) before serving ${url}:\n${child.outputTail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${child.name} did not serve ${url} within ${timeoutMs} ms:\n${child.outputTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
