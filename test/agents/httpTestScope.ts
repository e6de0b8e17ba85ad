import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { httpSettingsSchema, type HttpSettings } from '../../lib/config/connections/httpSettings.js';
import type { Resolved } from '../../lib/config/connections/secretRef.js';
import type { AgentScope } from '../../lib/core/agents/AgentScope.js';
import type { Connector } from '../../lib/agents/http/guardedDispatcher.js';
import type { LogLevel } from '../../lib/core/task/TaskRecord.js';

export interface LoggedLine {
  level: LogLevel;
  message: string;
  data: Record<string, unknown>;
}

export interface TestScope extends AgentScope {
  /** Every line the agent logged. */
  readonly lines: LoggedLine[];
  /** Moves the scope's clock (not timers) forward. */
  advance(ms: number): void;
}

/**
 * An {@link AgentScope} for agent tests: a clock that starts at the real time
 * and can be moved forward by hand, a deadline far ahead unless given, a
 * logger that keeps its lines.
 */
export function httpTestScope(options: { connection?: string; signal?: AbortSignal; deadlineInMs?: number } = {}): TestScope {
  let offset = 0;
  const lines: LoggedLine[] = [];
  const now = () => Date.now() + offset;
  const log = (level: LogLevel, message: string, data?: unknown) => lines.push({ level, message, data: (data ?? {}) as Record<string, unknown> });
  return {
    connection: options.connection ?? 'api',
    signal: options.signal ?? new AbortController().signal,
    deadlineMs: now() + (options.deadlineInMs ?? 600_000),
    now,
    lines,
    advance: (ms) => {
      offset += ms;
    },
    log: {
      debug: (message, data) => log('debug', message, data),
      info: (message, data) => log('info', message, data),
      warn: (message, data) => log('warn', message, data),
      error: (message, data) => log('error', message, data),
      log,
    },
  };
}

/** Settings through the real schema (defaults applied); plain strings only, so already resolved. */
export function httpSettings(raw: Record<string, unknown>): Resolved<HttpSettings> {
  return httpSettingsSchema.parse({ type: 'http', ...raw }) as Resolved<HttpSettings>;
}

export interface TestServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Requests received, in order (method + url). */
  readonly requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  /** TCP connections accepted: a guard that works keeps this at 0 for blocked vectors. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A node:http server on 127.0.0.1 (random port) running `handler` after the
 * request body has been read. Keeps its requests and counts its sockets.
 */
export async function startTestServer(handler: (req: IncomingMessage & { body: string }, res: ServerResponse, server: TestServer) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const httpServer: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(Object.assign(req, { body }), res, state);
    });
  });
  httpServer.on('connection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const state: TestServer = {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        httpServer.close(() => resolve());
      }),
  };
  return state;
}

/** A connector that records what it was asked to connect to and refuses: proves the guard decided first. */
export function recordingConnector(): Connector & { attempts: Array<{ hostname: string; port: string }> } {
  const attempts: Array<{ hostname: string; port: string }> = [];
  const connector: Connector = (options, callback) => {
    attempts.push({ hostname: options.hostname, port: options.port });
    callback(new Error(`test connector: no socket to ${options.hostname}`), null);
  };
  return Object.assign(connector, { attempts });
}
