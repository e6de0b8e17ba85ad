import * as z from 'zod';
import { secretable, type Resolved } from './secretRef.js';

/**
 * `type: fs` — a local directory, the embedded runtime's (on Lambda it works
 * too, under `/tmp`). Every path is jailed to `root`: `..`, absolute paths
 * and symlinks leading out of it are refused.
 *
 * ```yaml
 * landing: { type: fs, root: ./data/landing }   # relative to the directory of serverless.yml
 * ```
 */
export const fsFileSettingsSchema = z.strictObject({
  type: z.literal('fs'),
  /** Absolute, or relative to `AgentHost.serviceDir`. */
  root: z.string().min(1),
});

/**
 * `type: s3` — a bucket, optionally under a key prefix. Credentials come from
 * the SDK's default chain (the function's role on AWS), never from settings.
 *
 * ```yaml
 * exports: { type: s3, bucket: acme-exports, prefix: daily/, region: eu-west-1 }
 * ```
 */
export const s3FileSettingsSchema = z.strictObject({
  type: z.literal('s3'),
  bucket: z
    .string()
    .min(3)
    .max(63)
    .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'is not an S3 bucket name'),
  /** Key prefix every path lives under (`daily/` or `daily`: a `/` is added). At most 120 characters: with a path's 900 bytes, a key stays within S3's 1024. */
  prefix: z
    .string()
    .max(120)
    .refine((prefix) => !prefix.startsWith('/') && !prefix.split('/').some((segment) => segment === '..' || segment === '.'), 'must be a relative key prefix without . or .. segments')
    .optional(),
  region: z.string().min(1).optional(),
  /** An S3-compatible endpoint (MinIO, an emulator), e.g. `http://127.0.0.1:9000`. */
  endpoint: z.url().optional(),
  /** Path-style URLs (`endpoint/bucket/key`), which most emulators and MinIO want. */
  forcePathStyle: z.boolean().optional(),
});

/**
 * `type: sftp` — a directory on an SFTP server, `sftp://user@host:port/base/path`
 * (port 22 by default; the path is absolute on the server, `/~/dir` is under
 * the login directory, none is the login directory). Password and private
 * key may be secret references.
 *
 * ```yaml
 * partner:
 *   type: sftp
 *   url: sftp://acme@files.partner.example/outbox
 *   privateKey: { ssm: /sluice/prod/partner-key }
 *   hostKey: SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8
 * ```
 */
export const sftpFileSettingsSchema = z.strictObject({
  type: z.literal('sftp'),
  url: z
    .string()
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'sftp:' && url.hostname !== '' && url.username !== '' && url.password === '';
      } catch {
        return false;
      }
    }, 'must be sftp://user@host[:port][/path] (no password in the URL: use the password setting)'),
  password: secretable(z.string().min(1)).optional(),
  /** OpenSSH or PEM private key text. */
  privateKey: secretable(z.string().min(1)).optional(),
  /** The server's host key fingerprint as `ssh-keygen -l` prints it (`SHA256:<base64>`): any other key is refused. */
  hostKey: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be a SHA256:<base64> fingerprint')
    .optional(),
  /** Connect (and disconnect) timeout, seconds. @default 20 */
  timeoutSeconds: z.number().int().min(1).max(300).optional(),
});

export const fileSettingsSchema = z.discriminatedUnion('type', [fsFileSettingsSchema, s3FileSettingsSchema, sftpFileSettingsSchema]);

export type FsFileSettings = z.output<typeof fsFileSettingsSchema>;
export type S3FileSettings = z.output<typeof s3FileSettingsSchema>;
export type SftpFileSettings = z.output<typeof sftpFileSettingsSchema>;
export type FileSettings = z.output<typeof fileSettingsSchema>;

/** The settings schema of each file storage connection type. */
export const fileConnectionSchemas = {
  fs: fsFileSettingsSchema,
  s3: s3FileSettingsSchema,
  sftp: sftpFileSettingsSchema,
} as const;

export type ResolvedFileSettings = Resolved<FileSettings>;
