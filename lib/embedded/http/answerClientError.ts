import type { Duplex } from 'node:stream';

/** Statuses node's own handler uses for parser errors, by error code; everything else is a 400. */
const STATUS_BY_CODE: Record<string, { status: number; reason: string; error: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', error: 'RequestHeaderFieldsTooLarge', message: 'the request headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, reason: 'Payload Too Large', error: 'PayloadTooLargeError', message: 'the chunk extensions are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', error: 'RequestTimeout', message: 'the request took too long to arrive' },
};
const BAD_REQUEST = { status: 400, reason: 'Bad Request', error: 'BadRequest', message: 'the request is not valid HTTP/1.1' };

/**
 * The server's `clientError` listener: a request node's HTTP parser refuses
 * (oversized headers, a malformed request line, a bad header) is answered
 * in Sluice's one error shape, `{ error, message }` as JSON, instead of
 * node's bodiless default, then the connection is closed (the parser
 * cannot resynchronise). A socket already gone, or already answering, is
 * only destroyed. Usage: `server.on('clientError', answerClientError)`.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const answer = STATUS_BY_CODE[error.code ?? ''] ?? BAD_REQUEST;
    const body = JSON.stringify({ error: answer.error, message: answer.message });
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
      () => socket.destroy(),
    );
    return;
  }
  socket.destroy();
}
