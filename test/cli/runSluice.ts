import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI_FIXTURE = resolve(REPO, 'test/fixtures/cli/serverless.yml');

export interface SluiceRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/sluice.mjs ...args` as a child process (asynchronously: the
 * runtime under test may live in this very process). The environment is the
 * test's minus anything that would change colours, plus `env`; a value of
 * `undefined` removes a variable.
 */
export function runSluice(args: string[], env: Record<string, string | undefined> = {}): Promise<SluiceRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'SLUICE_URL', 'SLUICE_API_TOKEN', 'SLUICE_DATA_DIR', 'PORT']) delete childEnv[name];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  return new Promise((done) => {
    execFile(process.execPath, ['bin/sluice.mjs', ...args], { cwd: REPO, env: childEnv, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Escape sequences (colours, cursor moves): none may reach a pipe unless asked for. */
export const ANSI = /\u001b\[/;

/**
 * Runs `sluice ...args` on a pseudo-terminal (util-linux `script`), typing
 * `input`: what a person at a terminal sees (`output`: stdout and stderr
 * together, as the terminal shows them) and the exit code.
 */
export function onTerminal(args: string[], input: string, env: Record<string, string | undefined> = {}): Promise<{ code: number; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['FORCE_COLOR', 'SLUICE_URL', 'SLUICE_API_TOKEN', 'SLUICE_DATA_DIR', 'PORT']) delete childEnv[name];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, 'bin/sluice.mjs', ...args].map(quote).join(' ');
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: REPO, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, output }));
    child.stdin.end(input);
  });
}
