import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * A small keep-alive HTTP client for driving the platform API: node:http
 * with a bounded socket pool (cheaper per request than fetch, so the load
 * generator takes less of the CPU the server under test needs).
 */
export class HttpClient {
  readonly #agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
    maxSockets = 64,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.#agent,
          headers: {
            ...this.headers,
            ...headers,
            ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': 'application/json' });
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
    return JSON.parse(answer.body) as T;
  }

  close(): void {
    this.#agent.destroy();
  }
}
