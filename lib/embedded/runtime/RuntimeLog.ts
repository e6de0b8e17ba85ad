/**
 * The embedded runtime's own log (start-up, recoveries, failures around
 * tasks). Task logs are stored with each task instead. Never given payloads
 * or tokens: only names, ids and error messages.
 */
export interface RuntimeLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export function consoleRuntimeLog(stream: NodeJS.WritableStream = process.stdout): RuntimeLog {
  const write = (level: string, message: string) => stream.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message, error) => write('error', error === undefined ? message : `${message}: ${error instanceof Error ? error.message : String(error)}`),
  };
}

export const silentRuntimeLog: RuntimeLog = { info() {}, warn() {}, error() {} };
