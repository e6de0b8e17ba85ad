import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');

export interface CliRuntime {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `npm start`'s entry point (node --import tsx lib/embedded/cli.ts) and waits for its banner.
 * `anyPort: false` leaves out the `--port 0` it adds by default (to test PORT).
 */
export async function startCli(args: string[], env: NodeJS.ProcessEnv = {}, { anyPort = true } = {}): Promise<CliRuntime> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/embedded/cli.ts', ...(anyPort ? ['--port', '0'] : []), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${out}`)), 30_000);
    const check = () => {
      const match = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`runtime exited before starting:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}
