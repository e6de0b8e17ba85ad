import { PassThrough, type Readable } from 'node:stream';

/**
 * `stream` as the reader gets it: ended, errored or destroyed with it, and
 * destroyed with an `AbortError` (cause: the signal's reason) when `signal`
 * fires. A driver's own error after the abort (an SFTP read answered
 * "Failure" because its handle was just closed, an S3 socket torn down) is
 * reported as that `AbortError` too, so a reader sees one consistent error.
 * Destroying the returned stream (a reader stopping early) destroys `stream`,
 * which closes the file handle or the HTTP response.
 */
export function abortableStream(stream: Readable, signal: AbortSignal): Readable {
  const out = new PassThrough();
  const abortError = () => Object.assign(new Error('aborted by the task signal', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
  const onAbort = () => out.destroy(abortError());
  stream.on('error', (error) => out.destroy(signal.aborted ? abortError() : error));
  out.on('close', () => {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  stream.pipe(out);
  return out;
}
