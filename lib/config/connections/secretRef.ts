import * as z from 'zod';
import type { SecretRef as CoreSecretRef } from '../../core/agents/SecretResolver.js';

/**
 * A credential in a connection's settings, by reference: never its value.
 *
 * ```yaml
 * password:
 *   env: WAREHOUSE_PASSWORD             # embedded runtime: this environment variable
 *   ssm: /sluice/prod/warehouse-password # AWS: an SSM Parameter Store (SecureString) parameter,
 *   # or secretsManager: prod/warehouse   #   or a Secrets Manager secret (`json:` picks one key of a JSON secret)
 * ```
 *
 * The embedded runtime reads `env`; AWS reads `ssm` or `secretsManager` at
 * run time (cached per container), so the value is never written into the
 * CloudFormation template, the bundle, a task record or a log line. A
 * reference without the source the runtime reads is a start-up/package error
 * naming the setting. Any string setting can be a reference; a plain string
 * is used as it is (`${env:VAR}` in a plain string is resolved by the
 * `serverless.yml` reader, which suits the embedded runtime only: the AWS
 * packager refuses credentials written in plain text).
 */
export const secretRefSchema = z
  .strictObject({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name').optional(),
    ssm: z.string().min(1).max(2048).optional(),
    secretsManager: z.string().min(1).max(2048).optional(),
    /** With `secretsManager`: the key to read in a JSON secret (RDS-managed secrets hold `{ username, password, ... }`). */
    json: z.string().min(1).optional(),
  })
  .refine((ref) => ref.env !== undefined || ref.ssm !== undefined || ref.secretsManager !== undefined, {
    message: 'a secret reference needs env, ssm or secretsManager',
  })
  .refine((ref) => ref.ssm === undefined || ref.secretsManager === undefined, { message: 'a secret reference takes ssm or secretsManager, not both' })
  .refine((ref) => ref.json === undefined || ref.secretsManager !== undefined, { message: 'json picks a key of a secretsManager secret' });

/** The core's shape (`SecretResolver` takes it); the schema's output is the same type, checked below. */
export type SecretRef = CoreSecretRef;

// Compile-time: the schema's output and the core's interface stay one shape.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const _schemaMatchesCore: Same<z.output<typeof secretRefSchema>, CoreSecretRef> = true;
void _schemaMatchesCore;

/** A string setting that may also be given as a {@link SecretRef}. */
export function secretable<S extends z.ZodType<string>>(schema: S) {
  return z.union([schema, secretRefSchema]);
}

/** A settings type with every secret reference replaced by the string it resolves to. */
export type Resolved<T> = T extends SecretRef ? string : T extends readonly (infer U)[] ? Resolved<U>[] : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;

const REF_KEYS = new Set(['env', 'ssm', 'secretsManager', 'json']);

/**
 * Whether a value of settings already validated by their schema is a secret
 * reference, by shape: a plain object whose keys are all among `env`, `ssm`,
 * `secretsManager`, `json`, with at least one of the first three, each a
 * string. The one test every reader of references uses (the resolvers, the
 * packager's IAM and checks, the start-up banner).
 */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(([key, item]) => REF_KEYS.has(key) && (typeof item === 'string' || item === undefined)) &&
    entries.some(([key, item]) => key !== 'json' && typeof item === 'string')
  );
}

/** Every secret reference in `settings` (validated settings), depth first. */
export function secretRefsIn(settings: unknown): SecretRef[] {
  if (isSecretRef(settings)) return [settings];
  if (Array.isArray(settings)) return settings.flatMap(secretRefsIn);
  if (typeof settings === 'object' && settings !== null) return Object.values(settings).flatMap(secretRefsIn);
  return [];
}
