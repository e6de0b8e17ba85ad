import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A TypeScript fixture run as `node --import tsx <script>` with its stdout read line by line. */
export interface Child {
  process: ChildProcess;
  pid: number;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves once `predicate` holds for the lines read so far; rejects if the child exits first. */
  waitFor(predicate: (lines: string[]) => boolean, what: string): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export function spawnFixture(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url)), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const checks = new Set<() => void>();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      exited = { code, signal };
      for (const check of [...checks]) check();
      resolve();
    }),
  );
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const check of [...checks]) check();
  });
  return {
    process: child,
    pid: child.pid!,
    lines,
    waitFor(predicate, what) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(lines)) {
            checks.delete(check);
            resolve();
          } else if (exited) {
            checks.delete(check);
            reject(new Error(`child exited (${exited.code ?? exited.signal}) before ${what}; stderr:\n${stderr}`));
          }
        };
        checks.add(check);
        check();
      });
    },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}
