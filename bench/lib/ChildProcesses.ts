import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Preload that makes a child exit when the runner dies (see exitWithParent.cjs). */
export const EXIT_WITH_PARENT = fileURLToPath(new URL('./exitWithParent.cjs', import.meta.url));

export interface ChildSpec {
  /** Shown in progress output and errors. */
  name: string;
  /** Arguments of `node` (the runner's own binary), e.g. `['--import', 'tsx', 'lib/embedded/cli.ts']`. */
  nodeArgs: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A benchmark server running in its own process (and process group). */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<ChildExit>;
  readonly hasExited: boolean;
  /** The last 16 KB of its stdout and stderr, for error messages. */
  outputTail(): string;
  /**
   * Resolves with the first match of `pattern` in its stdout (looked for
   * from the start); rejects when it exits first or after `timeoutMs`.
   */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

const TAIL_BYTES = 16 * 1024;

/**
 * Every child the benchmarks start, so that all of them are stopped on the
 * way out: normal end, error, Ctrl-C. Each child gets its own process group
 * (so Ctrl-C reaches only the runner, which then stops the children in
 * order, and grandchildren die with their parent) and the
 * {@link EXIT_WITH_PARENT} preload (so they also go when the runner is
 * killed outright).
 */
export class ChildProcesses {
  readonly #running = new Map<number, { child: ChildProcess; managed: ManagedChild }>();

  start(spec: ChildSpec): ManagedChild {
    const child = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, ...spec.nodeArgs], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
    const pid = child.pid;
    let tail = '';
    // Stdout kept whole until someone has found what they waited for (start-up output is small).
    let stdout = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (stdout.length < 1024 * 1024) stdout += chunk.toString('utf8');
    });
    child.stderr!.on('data', keep);
    // Writes to a child that is gone must not crash the runner.
    child.stdin!.on('error', () => {});
    let hasExited = false;
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => {
        hasExited = true;
        this.#running.delete(pid);
        resolve({ code, signal });
      });
    });
    const managed: ManagedChild = {
      name: spec.name,
      pid,
      exited,
      get hasExited() {
        return hasExited;
      },
      outputTail: () => tail,
      waitForOutput: (pattern, timeoutMs) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(stdout);
            if (!match) return false;
            done();
            resolve(match);
            return true;
          };
          const onData = () => void check();
          const timer = setTimeout(() => {
            done();
            reject(new Error(`${spec.name} did not print ${pattern} within ${timeoutMs} ms:\n${tail}`));
          }, timeoutMs);
          const done = () => {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
          };
          if (check()) return;
          child.stdout!.on('data', onData);
          void exited.then(() => {
            if (check()) return;
            done();
            reject(new Error(`${spec.name} exited before printing ${pattern}:\n${tail}`));
          });
        }),
    };
    this.#running.set(pid, { child, managed });
    return managed;
  }

  /**
   * SIGTERM (a graceful stop: the embedded runtime drains and closes its
   * database, `--cpu-prof` writes its profile), then SIGKILL to the whole
   * process group after `graceMs`.
   */
  async stop(managed: ManagedChild, graceMs = 10_000): Promise<ChildExit> {
    if (!managed.hasExited) {
      signalGroup(managed.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(managed.pid, 'SIGKILL'), graceMs);
      await managed.exited;
      clearTimeout(timer);
    }
    // Anything it left behind in its group goes too.
    signalGroup(managed.pid, 'SIGKILL');
    return managed.exited;
  }

  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all([...this.#running.values()].map(({ managed }) => this.stop(managed, graceMs)));
  }

  /** Last resort, synchronous (from an `exit` handler): SIGKILL every group still running. */
  killAllNow(): void {
    for (const pid of this.#running.keys()) signalGroup(pid, 'SIGKILL');
    this.#running.clear();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
