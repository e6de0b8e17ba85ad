/**
 * DynamoDB Local 1.25.1 for tests and benchmarks, bound to 127.0.0.1 only.
 *
 * - The jar ships inside the npm package `amplify-dynamodb-simulator@2.9.30`.
 *   We fetch only its tarball (`npm pack`, 56 MB) once into
 *   `<repo>/.cache/dynamodb-local/`, check its pinned sha512, and keep the
 *   `emulator/` directory; the package's 347 MB of dependencies are never
 *   installed.
 * - The jar listens on all interfaces, so it runs inside a private network
 *   namespace (`unshare -n`) and is reached through a Unix socket relay (see
 *   `namespaceRelay.ts`); here a TCP server on 127.0.0.1:0 relays to it.
 * - The relay port is known at once, before the JVM is up: connections wait
 *   until it is ready. If start-up fails, every request gets a 503 naming the
 *   reason, so only the tests that use DynamoDB fail, with a clear message.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The pinned source of the DynamoDB Local jar. */
export const DYNAMODB_LOCAL_SOURCE = {
  npmPackage: 'amplify-dynamodb-simulator',
  npmVersion: '2.9.30',
  /** From `npm pack --json`; checked after every fetch. */
  integrity: 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==',
  dynamoDbLocalVersion: '1.25.1',
} as const;

const here = dirname(fileURLToPath(import.meta.url));

/** `<repo>/.cache/dynamodb-local` (git-ignored). */
export const DEFAULT_DYNAMODB_LOCAL_CACHE = resolve(here, '../../.cache/dynamodb-local');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function sha512Base64(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes a directory lock (mkdir is atomic). A lock whose owner process is
 * gone, or that is older than 10 minutes, is stale and taken over.
 */
async function withLock<T>(lockDir: string, fn: () => Promise<T>, isDone: () => boolean): Promise<T | undefined> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (isDone()) return undefined;
      const owner = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
      const age = Date.now() - (await stat(lockDir).then((s) => s.mtimeMs, () => Date.now()));
      if ((Number.isInteger(owner) && !processAlive(owner)) || age > 10 * 60_000) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir}`);
      await sleep(250);
    }
  }
  try {
    await writeFile(join(lockDir, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/**
 * Makes sure the DynamoDB Local jar is in the cache and returns its directory.
 * Fetches at most once; concurrent callers (test workers, benchmarks) wait
 * for the one holding the lock. The directory appears by an atomic rename,
 * so a present directory is always complete.
 */
export async function ensureDynamoDbLocal(cacheDir: string = DEFAULT_DYNAMODB_LOCAL_CACHE): Promise<string> {
  const target = join(cacheDir, DYNAMODB_LOCAL_SOURCE.dynamoDbLocalVersion);
  const jar = join(target, 'DynamoDBLocal.jar');
  if (existsSync(jar)) return target;
  await mkdir(cacheDir, { recursive: true });
  await withLock(
    join(cacheDir, '.fetch.lock'),
    async () => {
      if (existsSync(jar)) return;
      const work = await mkdtemp(join(cacheDir, '.fetch-'));
      try {
        const spec = `${DYNAMODB_LOCAL_SOURCE.npmPackage}@${DYNAMODB_LOCAL_SOURCE.npmVersion}`;
        const { stdout } = await execFileAsync('npm', ['pack', spec, '--json', '--pack-destination', work], {
          cwd: work,
          maxBuffer: 64 * 1024 * 1024,
        }).catch((error: unknown) => {
          throw new Error(`'npm pack ${spec}' failed (is the npm registry reachable?)`, { cause: error });
        });
        const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
        if (!packed) throw new Error(`'npm pack ${spec}' reported no tarball`);
        const tarball = join(work, packed.filename);
        const integrity = `sha512-${await sha512Base64(tarball)}`;
        if (integrity !== DYNAMODB_LOCAL_SOURCE.integrity) {
          throw new Error(`${spec}: tarball integrity ${integrity} does not match the pinned ${DYNAMODB_LOCAL_SOURCE.integrity}`);
        }
        await execFileAsync('tar', ['-xzf', tarball, '-C', work, 'package/emulator']);
        await rename(join(work, 'package', 'emulator'), target);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    () => existsSync(jar),
  );
  if (!existsSync(jar)) throw new Error(`DynamoDB Local jar missing at ${jar} after fetching`);
  return target;
}

export interface DynamoDbLocalOptions {
  /** Where the jar is cached. Default `<repo>/.cache/dynamodb-local`. */
  cacheDir?: string;
  /** Default 60 s (the JVM needs about 4 s on a warm machine). */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`: usable at once; requests wait until the emulator is ready. */
  endpoint: string;
  /** Settles when the emulator is ready, or rejects with why it could not start. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

function unavailableResponse(reason: string): string {
  const body = JSON.stringify({ __type: 'DynamoDbLocalUnavailable', message: `DynamoDB Local failed to start: ${reason}` });
  return [
    'HTTP/1.1 503 Service Unavailable',
    'Content-Type: application/x-amz-json-1.0',
    'x-amzn-ErrorType: DynamoDbLocalUnavailable',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

async function assertUnshareAvailable(): Promise<void> {
  try {
    await execFileAsync('unshare', ['-n', 'true']);
  } catch (error) {
    throw new Error(
      "cannot create a private network namespace ('unshare -n' failed). DynamoDB Local listens on all interfaces " +
        'and has no bind-address option; we do not run it without isolation. Run the tests as root (or with ' +
        'CAP_SYS_ADMIN) on Linux with util-linux installed.',
      { cause: error },
    );
  }
}

/**
 * Starts DynamoDB Local (fetching the jar first if needed). Resolves as soon
 * as the 127.0.0.1 relay listens; await `ready` for the emulator itself.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const socketDir = await mkdtemp(join(tmpdir(), 'sluice-ddb-'));
  const socketPath = join(socketDir, 'ddb.sock');
  let supervisor: ChildProcessWithoutNullStreams | undefined;
  let failure: string | undefined;

  const ready = (async () => {
    await assertUnshareAvailable();
    const emulatorDir = await ensureDynamoDbLocal(options.cacheDir);
    const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const config = { emulatorDir, socketPath, port: 8000, startTimeoutMs };
    const child = spawn('unshare', ['-n', process.execPath, '--import', tsxLoader, join(here, 'namespaceRelay.ts'), JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    supervisor = child;
    await new Promise<void>((resolveReady, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`DynamoDB Local was not ready within ${startTimeoutMs} ms: ${err}`)), startTimeoutMs + 5000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('READY\n')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err = (err + chunk.toString('utf8')).slice(-4000);
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the DynamoDB Local supervisor exited with code ${code}: ${err.trim()}`));
      });
    });
  })();
  ready.catch((error: unknown) => {
    failure = error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}` : String(error);
  });

  const clients = new Set<Socket>();
  const server = createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    ready.then(
      () => {
        if (client.destroyed) return;
        const upstream = connect(socketPath);
        client.pipe(upstream);
        upstream.pipe(client);
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      },
      () => client.end(unavailableResponse(failure ?? 'unknown error')),
    );
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    ready,
    async stop() {
      await new Promise<void>((done) => {
        server.close(() => done());
        for (const client of clients) client.destroy();
      });
      await ready.catch(() => undefined);
      const child = supervisor;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.stdin.end(); // the supervisor stops the JVM when its stdin closes
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
