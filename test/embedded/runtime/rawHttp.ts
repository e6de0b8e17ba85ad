import { connect } from 'node:net';

/** A response read off the socket as bytes: what node's parser and our listener actually wrote. */
export interface RawResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * Sends `request` (raw bytes, framing included) to the runtime and reads the
 * response until the server closes the connection or `settleMs` passes
 * after the last byte.
 */
export function rawRequest(url: string, request: string | Buffer, settleMs = 300): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return reject(new Error(`no HTTP response: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      resolve({
        status: Number(statusLine!.split(' ')[1]),
        headers: lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        body: text.slice(end + 4),
      });
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(finish, settleMs);
    });
    socket.on('end', finish);
    socket.on('error', (error) => (chunks.length > 0 ? finish() : reject(error)));
    // No answer at all within 5 s: report it rather than hang.
    setTimeout(() => chunks.length === 0 && (socket.destroy(), reject(new Error('no response within 5 s'))), 5000).unref();
    socket.write(request);
  });
}

/** A chunked body (no Content-Length), in chunks of `size` bytes; `complete: false` leaves out the last chunk (the body never ends). */
export function chunked(body: string, size = 1024, complete = true): string {
  let out = '';
  for (let i = 0; i < body.length; i += size) {
    const part = body.slice(i, i + size);
    out += `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`;
  }
  return complete ? `${out}0\r\n\r\n` : out;
}
