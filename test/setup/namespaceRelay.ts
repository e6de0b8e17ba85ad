/**
 * The DynamoDB Local supervisor, run INSIDE a private network namespace
 * (`unshare -n node --import tsx namespaceRelay.ts '<json config>'`).
 *
 * Why: DynamoDB Local has no bind-address flag and listens on every
 * interface. Inside a fresh network namespace the only interface is `lo`, so
 * nothing outside can reach it. This process brings `lo` up, starts the jar,
 * and relays a Unix domain socket (which lives in the filesystem, not in the
 * namespace) to `127.0.0.1:<port>`. The harness outside relays a TCP port on
 * 127.0.0.1 to that socket (see `dynamoDbLocal.ts`).
 *
 * Protocol with the parent: one line `READY` on stdout once the socket
 * accepts; diagnostics on stderr. It stops the emulator and exits when its
 * stdin closes, so even a parent killed with SIGKILL leaves no JVM behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';

interface RelayConfig {
  /** Directory holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`. */
  emulatorDir: string;
  socketPath: string;
  /** Port inside the namespace; any fixed port works, the namespace is private. */
  port: number;
  startTimeoutMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as RelayConfig;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function bringLoopbackUp(): void {
  // A new network namespace has `lo` down: 127.0.0.1 is unreachable until it is up.
  const candidates = ['ip', '/usr/sbin/ip', '/sbin/ip'];
  let lastError: unknown;
  for (const ip of candidates) {
    try {
      execFileSync(ip, ['link', 'set', 'lo', 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
      return;
    } catch (error) {
      lastError = error;
    }
  }
  fail(`cannot bring up the loopback interface in the namespace ('ip link set lo up'): ${String(lastError)}`);
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

bringLoopbackUp();

let output = '';
const java = spawn(
  'java',
  [
    `-Djava.library.path=${join(config.emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(config.emulatorDir, 'DynamoDBLocal.jar'),
    '-inMemory',
    // One database for every access key and region: clients cannot end up in different "accounts".
    '-sharedDb',
    '-port',
    String(config.port),
    '-disableTelemetry',
  ],
  { cwd: config.emulatorDir, stdio: ['ignore', 'pipe', 'pipe'] },
);
const keepTail = (chunk: Buffer) => {
  output = (output + chunk.toString('utf8')).slice(-4000);
};
java.stdout.on('data', keepTail);
java.stderr.on('data', keepTail);

let stopping = false;
java.once('error', (error) => fail(`cannot start java: ${error.message}`));
java.once('exit', (code, signal) => {
  if (!stopping) fail(`DynamoDB Local exited (code ${code}, signal ${signal}); output:\n${output}`);
});

const server = createServer((client) => pipeBoth(client, connect({ host: '127.0.0.1', port: config.port })));

function stop(): void {
  if (stopping) return;
  stopping = true;
  server.close();
  rmSync(config.socketPath, { force: true });
  const killTimer = setTimeout(() => java.kill('SIGKILL'), 3000);
  java.once('exit', () => {
    clearTimeout(killTimer);
    process.exit(0);
  });
  if (java.exitCode !== null || java.signalCode !== null) process.exit(0);
  java.kill('SIGTERM');
}

// The parent holds our stdin open for as long as it wants the emulator.
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const deadline = Date.now() + config.startTimeoutMs;
while (!(await portAccepts(config.port))) {
  if (stopping) await new Promise(() => {}); // exiting
  if (Date.now() > deadline) fail(`DynamoDB Local did not listen within ${config.startTimeoutMs} ms; output:\n${output}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

if (existsSync(config.socketPath)) rmSync(config.socketPath);
server.listen(config.socketPath, () => process.stdout.write('READY\n'));
server.on('error', (error) => fail(`relay socket ${config.socketPath}: ${error.message}`));
