import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretRef, SecretResolver } from '../../core/agents/SecretResolver.js';
import { ConfigError, SluiceError } from '../../core/errors.js';

/** Seconds a resolved value is kept before it is read again (Powertools' own default is 5). */
export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

/**
 * AWS error names that a retry cannot fix: the reference or the function's
 * permissions are wrong. Anything else (throttling, a network error, a 5xx)
 * is transient.
 */
const CONFIG_FAULTS = new Set([
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidKeyId',
  'ValidationException',
  'InvalidParameterException',
  'InvalidRequestException',
  'DecryptionFailure',
  'UnrecognizedClientException',
]);

export interface AwsSecretResolverOptions {
  /** Seconds a value stays in the container's cache. @default 300 ({@link DEFAULT_SECRET_MAX_AGE_SECONDS}) */
  maxAgeSeconds?: number;
  /** Bring your own client (an endpoint for tests, a region...). @default a new SSMClient from the Lambda environment */
  ssmClient?: SSMClient;
  /** @default a new SecretsManagerClient from the Lambda environment */
  secretsManagerClient?: SecretsManagerClient;
}

/**
 * The AWS runtime's resolver, at run time (the value is never in the
 * template or the bundle):
 * - `ssm`: `GetParameter` with `WithDecryption: true` (a SecureString is
 *   decrypted with its KMS key; the function's role needs `ssm:GetParameter`
 *   and `kms:Decrypt`);
 * - `secretsManager`: `GetSecretValue` of the current version (`SecretString`,
 *   or `SecretBinary` read as UTF-8); with `json`, that key of the JSON
 *   secret (a string; a number or boolean as its text).
 *
 * Through Powertools Parameters' `SSMProvider` / `SecretsProvider`: values
 * are cached per instance for `maxAgeSeconds`, so build ONE resolver per
 * container and keep it. Concurrent resolutions of one name share one
 * request.
 *
 * @throws {ConfigError} naming the place and the parameter/secret name for a
 *   missing parameter or secret, a denied read, a secret that is not JSON or
 *   lacks the key, an `env`-only reference; {@link SluiceError} for a
 *   transient failure (throttling, network). Never a value.
 */
export class AwsSecretResolver implements SecretResolver {
  readonly #maxAge: number;
  readonly #options: AwsSecretResolverOptions;
  #ssmProvider: SSMProvider | undefined;
  #secretsProvider: SecretsProvider | undefined;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: AwsSecretResolverOptions = {}) {
    this.#options = options;
    this.#maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_SECONDS;
  }

  async resolve(ref: SecretRef, place: string): Promise<string> {
    const { ssm, secretsManager } = ref;
    if (ssm !== undefined) {
      const what = `SSM parameter ${ssm}`;
      const value = await this.#shared(`ssm\0${ssm}`, () => this.#parameters().get(ssm, { decrypt: true, maxAge: this.#maxAge })).catch((error: unknown) => {
        throw readError(what, place, error);
      });
      if (typeof value === 'string') return value;
      throw new ConfigError(`${place}: ${what} has no value`);
    }
    if (secretsManager !== undefined) {
      const what = `Secrets Manager secret ${secretsManager}`;
      const value = await this.#shared(`secretsManager\0${secretsManager}`, () => this.#secrets().get(secretsManager, { maxAge: this.#maxAge })).catch((error: unknown) => {
        throw readError(what, place, error);
      });
      const secret = typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
      if (secret === undefined) throw new ConfigError(`${place}: ${what} has no value`);
      return ref.json === undefined ? secret : pickJsonKey(secret, ref.json, what, place);
    }
    throw new ConfigError(`${place}: on AWS a secret reference needs ssm or secretsManager; ${ref.env !== undefined ? `env ${ref.env} is read by the embedded runtime only` : 'it has neither'}`);
  }

  /** Empties the cache: the next resolution of every name reads it again. */
  clearCache(): void {
    this.#ssmProvider?.clearCache();
    this.#secretsProvider?.clearCache();
  }

  #parameters(): SSMProvider {
    return (this.#ssmProvider ??= new SSMProvider(this.#options.ssmClient ? { awsSdkV3Client: this.#options.ssmClient } : {}));
  }

  #secrets(): SecretsProvider {
    return (this.#secretsProvider ??= new SecretsProvider(this.#options.secretsManagerClient ? { awsSdkV3Client: this.#options.secretsManagerClient } : {}));
  }

  /**
   * One request per name at a time (Powertools caches a value only once it
   * has it). Callers share the raw outcome; each names its own place in its error.
   */
  #shared(key: string, read: () => Promise<unknown>): Promise<unknown> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const reading = read().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, reading);
    return reading;
  }
}

/** The AWS error under Powertools' wrapper (`GetParameterError` with the SDK's error as `cause`). */
function readError(what: string, place: string, error: unknown): Error {
  const aws = ((error as { cause?: unknown }).cause ?? error) as { name?: string; message?: string };
  const name = aws.name ?? 'Error';
  // The SDK fills in 'UnknownError' when the reply has no message (SSM's ParameterNotFound has none).
  const detail = aws.message && aws.message !== 'UnknownError' ? `: ${aws.message}` : '';
  const message = `${place}: ${what} could not be read: ${name}${detail}`;
  return CONFIG_FAULTS.has(name) ? new ConfigError(message, { cause: error }) : new SluiceError(message, { cause: error });
}

/**
 * One key of a JSON secret. A parse error is not quoted: V8's message shows
 * the start of the text, which is the secret.
 */
function pickJsonKey(secret: string, key: string, what: string, place: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new ConfigError(`${place}: ${what} is not JSON, so json: ${key} cannot be read from it`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${place}: ${what} is not a JSON object, so json: ${key} cannot be read from it`);
  const value = (parsed as Record<string, unknown>)[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConfigError(`${place}: ${what} has ${value === undefined || value === null ? 'no' : 'a non-text'} value at key ${key}`);
}
