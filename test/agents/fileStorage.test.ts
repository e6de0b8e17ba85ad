import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileConnection } from '../../lib/agents/files/createFileConnection.js';
import { parseSftpUrl } from '../../lib/agents/files/SftpFileStorage.js';
import { fileConnectionSchemas, fileSettingsSchema } from '../../lib/config/connections/fileSettings.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import type { AgentHost } from '../../lib/core/agents/AgentHost.js';
import { awsEndpoints } from '../aws/awsTestEnv.js';
import { describeFileStorageContract } from '../contracts/fileStorageContract.js';
import { fileTestScope } from './fileTestScope.js';
import { startSftpTestServer, type SftpTestServer } from './sftpTestServer.js';

const host = (serviceDir: string): AgentHost => ({ kind: 'embedded', serviceDir });

/** Every file under `dir` except those under `skip`, with its contents: what an attack must not change. */
async function snapshot(dir: string, skip: string): Promise<string[]> {
  const entries: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const absolute = join(entry.parentPath, entry.name);
    if (absolute === skip || absolute.startsWith(`${skip}/`)) continue;
    entries.push(entry.isFile() ? `${relative(dir, absolute)}=${await readFile(absolute, 'utf8')}` : relative(dir, absolute));
  }
  return entries.sort();
}

describeFileStorageContract('fs (a temporary directory)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'sluice-fs-'));
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside', 'secret.txt'), 'do not touch');
  // A relative root resolves against the service directory.
  const connection = createFileConnection('landing', { type: 'fs', root: 'data/landing' }, host(base));
  return {
    connection,
    outside: () => snapshot(base, join(base, 'data', 'landing')),
    secrets: [],
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
});

describeFileStorageContract('s3 (fauxqs, path-style, under a prefix)', async () => {
  const { sqsEndpoint, region, credentials } = awsEndpoints();
  const client = new S3Client({ endpoint: sqsEndpoint, region, credentials, forcePathStyle: true });
  const bucket = `sluice-files-${process.pid}-${Date.now().toString(36)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret.txt', Body: 'do not touch' }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'landing-other/x.txt', Body: 'a sibling prefix' }));
  const connection = createFileConnection('landing', { type: 's3', bucket, prefix: 'landing/', region, endpoint: sqsEndpoint, forcePathStyle: true }, host('/nowhere'), { s3Client: client });
  return {
    connection,
    async outside() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const outside = (listed.Contents ?? []).map((object) => object.Key!).filter((key) => !key.startsWith('landing/'));
      return Promise.all(outside.sort().map(async (key) => `${key}=${await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()}`));
    },
    secrets: [credentials.secretAccessKey],
    cleanup: async () => client.destroy(),
  };
});

describeFileStorageContract('sftp (an ssh2 server on 127.0.0.1, password login, pinned host key)', async () => {
  const serverRoot = await mkdtemp(join(tmpdir(), 'sluice-sftp-'));
  await writeFile(join(serverRoot, 'secret.txt'), 'do not touch');
  const server = await startSftpTestServer(serverRoot);
  const connection = createFileConnection(
    'landing',
    { type: 'sftp', url: `sftp://${server.username}@127.0.0.1:${server.port}/data/landing`, password: server.password, hostKey: server.hostKeyFingerprint, timeoutSeconds: 5 },
    host('/nowhere'),
  );
  return {
    connection,
    outside: () => snapshot(serverRoot, join(serverRoot, 'data', 'landing')),
    secrets: [server.password],
    async cleanup() {
      await server.close();
      await rm(serverRoot, { recursive: true, force: true });
    },
  };
});

describe('fs path jail: symlinks', () => {
  let base: string;
  let root: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'sluice-fs-jail-'));
    root = join(base, 'root');
    await mkdir(join(root, 'inside'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'secret.txt'), 'do not touch');
    await writeFile(join(root, 'inside', 'ok.txt'), 'fine');
    await symlink(join(base, 'outside', 'secret.txt'), join(root, 'link-to-secret.txt'));
    await symlink(join(base, 'outside'), join(root, 'linked-dir'));
    await symlink(join(root, 'inside'), join(root, 'inner-link'));
    await symlink('../../outside', join(root, 'inside', 'relative-escape'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  const agent = () => createFileConnection('jail', { type: 'fs', root }, host('/nowhere')).forTask(fileTestScope('jail').scope);

  it.each([
    ['a symlink to a file outside', 'link-to-secret.txt'],
    ['a file under a symlinked directory outside', 'linked-dir/secret.txt'],
    ['a new file under a symlinked directory outside', 'linked-dir/new.txt'],
    ['a new file deeper under a symlinked directory outside', 'linked-dir/deep/er/new.txt'],
    ['a relative symlink leading out', 'inside/relative-escape/secret.txt'],
  ])('refuses %s, reading and writing nothing', async (_label, path) => {
    const files = agent();
    for (const call of [
      () => files.get(path),
      () => files.getStream(path),
      () => files.put(path, 'pwned'),
      () => files.putStream(path, (async function* () {
        yield Buffer.from('pwned');
      })()),
      () => files.stat(path),
      () => files.delete(path),
      () => files.move(path, 'inside/stolen.txt'),
      () => files.move('inside/ok.txt', path),
      () => files.writeJsonLines(path, [1]),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(AgentRefusedError);
    }
    await expect(files.list('linked-dir', { recursive: true })).rejects.toBeInstanceOf(AgentRefusedError);
    expect(await readdir(join(base, 'outside'))).toEqual(['secret.txt']);
    expect(await readFile(join(base, 'outside', 'secret.txt'), 'utf8')).toBe('do not touch');
    expect(await readFile(join(root, 'inside', 'ok.txt'), 'utf8')).toBe('fine');
  });

  it('follows a symlink that stays inside the root, and lists only what is inside', async () => {
    const files = agent();
    expect(await files.getText('inner-link/ok.txt')).toBe('fine');
    await files.put('inner-link/via-link.txt', 'written through a link');
    expect(await readFile(join(root, 'inside', 'via-link.txt'), 'utf8')).toBe('written through a link');
    const listed = (await files.list('', { recursive: true })).map((file) => file.path);
    expect(listed).toEqual(['inside/ok.txt', 'inside/via-link.txt']);
  });

  it('names paths relative to the root in its errors, never the host\'s absolute paths', async () => {
    const files = agent();
    await files.put('inside/plain.txt', 'a file');
    const failures = [files.put('inside/plain.txt/x', 'y'), files.put(`inside/${'a'.repeat(300)}`, 'x')].map((call) => call.then(() => undefined, (error: unknown) => error as Error));
    const [underFile, tooLong] = await Promise.all(failures);
    expect(underFile).toBeInstanceOf(AgentError);
    expect(underFile?.message).toMatch(/'inside\/plain\.txt'/);
    expect(tooLong?.message).toMatch(/ENAMETOOLONG.*'inside\/a{300}'/);
    await writeFile(join(base, 'a-file'), 'x');
    const noRoot = await createFileConnection('fresh', { type: 'fs', root: join(base, 'a-file', 'root') }, host('/nowhere')).forTask(fileTestScope('fresh').scope).put('x.txt', 'x').catch((error: unknown) => error as Error);
    expect(noRoot?.message).toMatch(/ENOTDIR/);
    for (const error of [underFile, tooLong, noRoot]) {
      expect(error?.message).not.toContain(base);
      expect(JSON.stringify(error?.cause)).not.toContain(base);
    }
  });

  it('creates a missing root on first use', async () => {
    const files = createFileConnection('fresh', { type: 'fs', root: join(base, 'not-yet', 'root') }, host('/nowhere')).forTask(fileTestScope('fresh').scope);
    await files.put('x.txt', 'x');
    expect((await stat(join(base, 'not-yet', 'root', 'x.txt'))).size).toBe(1);
  });
});

describe('s3: large objects', () => {
  it('uploads a stream over 5 MiB as a multipart upload', async () => {
    const { sqsEndpoint, region, credentials } = awsEndpoints();
    const client = new S3Client({ endpoint: sqsEndpoint, region, credentials, forcePathStyle: true });
    const bucket = `sluice-multipart-${process.pid}-${Date.now().toString(36)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const files = createFileConnection('big', { type: 's3', bucket }, host('/nowhere'), { s3Client: client }).forTask(fileTestScope('big').scope);
    async function* twelveMiB() {
      for (let index = 0; index < 12; index++) yield Buffer.alloc(1024 * 1024, index);
    }
    expect(await files.putStream('big.bin', twelveMiB())).toEqual({ bytes: 12 * 1024 * 1024 });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    // A multipart ETag is the MD5 of the parts' MD5s, suffixed with the part count: 5 + 5 + 2 MiB.
    expect(head.ETag).toMatch(/-3"?$/);
    client.destroy();
  });
});

describe('sftp: connections', () => {
  let serverRoot: string;
  let server: SftpTestServer;
  beforeAll(async () => {
    serverRoot = await mkdtemp(join(tmpdir(), 'sluice-sftp-conn-'));
    server = await startSftpTestServer(serverRoot);
  });
  afterAll(async () => {
    await server.close();
    await rm(serverRoot, { recursive: true, force: true });
  });
  const url = () => `sftp://${server.username}@127.0.0.1:${server.port}/files`;

  it('logs in with a private key, and reconnects after the connection dropped', async () => {
    const connection = createFileConnection('partner', { type: 'sftp', url: url(), privateKey: server.clientPrivateKey, hostKey: server.hostKeyFingerprint }, host('/nowhere'));
    const files = connection.forTask(fileTestScope('partner').scope);
    await files.put('a.txt', 'first');
    const connectionsBefore = server.connectionCount();
    server.dropConnections();
    // The drop may race the next call: the one after it must work in any case.
    await files.stat('a.txt').catch(() => undefined);
    expect(await files.getText('a.txt')).toBe('first');
    expect(server.connectionCount()).toBe(connectionsBefore + 1);
    await connection.close();
    await connection.close();
    await expect(files.getText('a.txt')).rejects.toBeInstanceOf(AgentError);
  });

  it('gives up connecting after timeoutSeconds when the server never answers', async () => {
    // Accepts the TCP connection and says nothing: the hang ssh2 can get into (ssh2-sftp-client#591).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const connection = createFileConnection('partner', { type: 'sftp', url: `sftp://sluice@127.0.0.1:${port}/`, password: 'x', timeoutSeconds: 1 }, host('/nowhere'));
    await expect(connection.forTask(fileTestScope('partner').scope).stat('a.txt')).rejects.toThrow(/timed out/i);
    await connection.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('refuses a server whose host key is not the pinned one, and a wrong password, never logging the password', async () => {
    const otherFingerprint = `SHA256:${'A'.repeat(43)}`;
    const pinned = createFileConnection('partner', { type: 'sftp', url: url(), password: server.password, hostKey: otherFingerprint, timeoutSeconds: 5 }, host('/nowhere'));
    const task = fileTestScope('partner');
    await expect(pinned.forTask(task.scope).get('a.txt')).rejects.toBeInstanceOf(AgentError);
    await pinned.close();

    const wrongPassword = 'wrong-Pa55word-not-to-log';
    const refused = createFileConnection('partner', { type: 'sftp', url: url(), password: wrongPassword, timeoutSeconds: 5 }, host('/nowhere'));
    const error = await refused.forTask(task.scope).get('a.txt').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(AgentError);
    expect(String((error as Error).message)).not.toContain(wrongPassword);
    await refused.close();
    expect(task.lines.map((line) => line.level)).toEqual(['warn', 'warn']);
    expect(JSON.stringify(task.lines)).not.toContain(wrongPassword);
    expect(JSON.stringify(task.lines)).not.toContain(server.password);
  });
});

describe('file connection settings', () => {
  it('read an sftp:// URL: absolute path, /~/ under the login directory, none = the login directory', () => {
    expect(parseSftpUrl('sftp://acme@files.example/outbox/')).toEqual({ host: 'files.example', port: 22, username: 'acme', basePath: '/outbox' });
    expect(parseSftpUrl('sftp://a%40b@files.example:2222/~/in%20box')).toEqual({ host: 'files.example', port: 2222, username: 'a@b', basePath: 'in box' });
    expect(parseSftpUrl('sftp://acme@[::1]:2200')).toEqual({ host: '::1', port: 2200, username: 'acme', basePath: '.' });
  });

  it('accept each type and refuse unknown keys, bad URLs and passwords in URLs', () => {
    expect(fileSettingsSchema.parse({ type: 'fs', root: './data' })).toEqual({ type: 'fs', root: './data' });
    expect(fileConnectionSchemas.s3.parse({ type: 's3', bucket: 'acme-exports', prefix: 'daily/', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true })).toMatchObject({ bucket: 'acme-exports' });
    expect(fileConnectionSchemas.sftp.parse({ type: 'sftp', url: 'sftp://acme@files.example:2222/outbox', password: { env: 'PARTNER_PASSWORD' }, hostKey: `SHA256:${'a'.repeat(43)}`, timeoutSeconds: 10 })).toMatchObject({ password: { env: 'PARTNER_PASSWORD' } });
    expect(fileSettingsSchema.safeParse({ type: 'fs', root: './data', extra: 1 }).success).toBe(false);
    expect(fileSettingsSchema.safeParse({ type: 's3', bucket: 'Bad_Bucket' }).success).toBe(false);
    expect(fileSettingsSchema.safeParse({ type: 's3', bucket: 'ok-bucket', prefix: '../up' }).success).toBe(false);
    expect(fileSettingsSchema.safeParse({ type: 'sftp', url: 'ftp://acme@files.example/' }).success).toBe(false);
    expect(fileSettingsSchema.safeParse({ type: 'sftp', url: 'sftp://files.example/' }).success).toBe(false);
    expect(fileSettingsSchema.safeParse({ type: 'sftp', url: 'sftp://acme:secret@files.example/' }).success).toBe(false);
    expect(fileSettingsSchema.safeParse({ type: 'sftp', url: 'sftp://acme@files.example/', hostKey: 'md5:aa' }).success).toBe(false);
  });
});
