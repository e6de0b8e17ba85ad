import { S3Client } from '@aws-sdk/client-s3';
import { isAbsolute, resolve } from 'node:path';
import type { AgentConnection } from '../../core/agents/AgentConnection.js';
import type { AgentHost } from '../../core/agents/AgentHost.js';
import type { FileStorageAgent } from '../../core/agents/FileStorageAgent.js';
import type { FileSettings } from '../../config/connections/fileSettings.js';
import type { Resolved } from '../../config/connections/secretRef.js';
import type { FileStore } from './FileStore.js';
import { FsFileStorage } from './FsFileStorage.js';
import { S3FileStorage } from './S3FileStorage.js';
import { parseSftpUrl, SftpFileStorage } from './SftpFileStorage.js';
import { TracedFileStorage } from './TracedFileStorage.js';

export interface CreateFileConnectionOptions {
  /** An S3 client to use instead of building one from the settings (tests, a shared client); not destroyed by `close()`. */
  s3Client?: S3Client;
}

/**
 * Builds the file storage connection `name` from its settings (secret
 * references already resolved): its client (an `S3Client`, the SFTP
 * connection) is created here once and shared by every task; `forTask` only
 * binds it to the task's scope.
 *
 * - `fs`: a relative `root` resolves against `host.serviceDir`.
 * - `s3`: an `S3Client` for `region`/`endpoint`/`forcePathStyle`, credentials
 *   from the SDK's default chain — unless `options.s3Client` is given.
 * - `sftp`: connects on first use, not here.
 */
export function createFileConnection(name: string, settings: Resolved<FileSettings>, host: AgentHost, options: CreateFileConnectionOptions = {}): AgentConnection<FileStorageAgent> {
  const store = createStore(name, settings, host, options);
  let closing: Promise<void> | undefined;
  return {
    forTask: (scope) => new TracedFileStorage(store, scope),
    close: () => (closing ??= store.close()),
  };
}

function createStore(name: string, settings: Resolved<FileSettings>, host: AgentHost, options: CreateFileConnectionOptions): FileStore {
  switch (settings.type) {
    case 'fs':
      return new FsFileStorage(name, isAbsolute(settings.root) ? settings.root : resolve(host.serviceDir, settings.root));
    case 's3': {
      const client =
        options.s3Client ??
        new S3Client({
          ...(settings.region === undefined ? {} : { region: settings.region }),
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
          ...(settings.forcePathStyle === undefined ? {} : { forcePathStyle: settings.forcePathStyle }),
        });
      return new S3FileStorage(name, client, settings.bucket, settings.prefix, options.s3Client === undefined);
    }
    case 'sftp':
      return new SftpFileStorage(name, {
        ...parseSftpUrl(settings.url),
        ...(settings.password === undefined ? {} : { password: settings.password }),
        ...(settings.privateKey === undefined ? {} : { privateKey: settings.privateKey }),
        ...(settings.hostKey === undefined ? {} : { hostKey: settings.hostKey }),
        ...(settings.timeoutSeconds === undefined ? {} : { timeoutMs: settings.timeoutSeconds * 1000 }),
      });
  }
}
