/** Thrown by {@link untilAborted}: the task's signal fired first. */
export class CallAbortedError extends Error {
  override name = 'CallAbortedError';
}

/**
 * Settles with `work`, or rejects with {@link CallAbortedError} as soon as
 * `signal` aborts, after calling `onAbort` (which cancels the work on the
 * server). `work`'s own later rejection is then ignored (it is handled, never
 * an unhandled rejection).
 */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    work.catch(() => {});
    return Promise.reject(new CallAbortedError('cancelled by the task signal'));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(new CallAbortedError('cancelled by the task signal'));
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
