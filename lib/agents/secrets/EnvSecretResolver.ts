import type { SecretRef, SecretResolver } from '../../core/agents/SecretResolver.js';
import { ConfigError } from '../../core/errors.js';

/**
 * The embedded runtime's resolver: a reference's `env` names an environment
 * variable, read from `env` (the process's environment by default; tests
 * pass their own object).
 *
 * @throws {ConfigError} naming the place and the variable when the reference
 *   has no `env` (an `ssm`/`secretsManager` reference is for AWS) or the
 *   variable is unset or empty; never a value
 */
export class EnvSecretResolver implements SecretResolver {
  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  async resolve(ref: SecretRef, place: string): Promise<string> {
    if (ref.env === undefined) {
      const source = ref.ssm !== undefined ? `ssm ${ref.ssm}` : ref.secretsManager !== undefined ? `secretsManager ${ref.secretsManager}` : 'no source';
      throw new ConfigError(`${place}: the embedded runtime reads secrets from environment variables, and this reference has ${source} but no env`);
    }
    const value = this.env[ref.env];
    if (value === undefined || value === '') throw new ConfigError(`${place}: environment variable ${ref.env} is ${value === undefined ? 'not set' : 'empty'}`);
    return value;
  }
}
