import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';

export const API_TOKEN_FILE = 'api-token';
/** Shortest token accepted: anything shorter is guessable by brute force over HTTP. */
export const MIN_API_TOKEN_LENGTH = 16;

/**
 * The control-plane token: given explicitly, else `SLUICE_API_TOKEN`, else
 * the one generated on first start into `<dataDir>/api-token` (mode 0600).
 * Authentication is on by default; the token is never printed.
 *
 * @throws ConfigError when the given token is shorter than
 *   {@link MIN_API_TOKEN_LENGTH} characters (the message gives its length, never the token).
 */
export function resolveApiToken(options: { explicit: string | undefined; env: NodeJS.ProcessEnv; dataDir: string }): string {
  const given = options.explicit ?? options.env.SLUICE_API_TOKEN;
  if (given !== undefined) {
    if (given.length < MIN_API_TOKEN_LENGTH) {
      const source = options.explicit !== undefined ? 'the API token' : 'SLUICE_API_TOKEN';
      throw new ConfigError(`${source} must be at least ${MIN_API_TOKEN_LENGTH} characters (it has ${given.length}); unset it to use the token generated into ${join(options.dataDir, API_TOKEN_FILE)}`);
    }
    return given;
  }
  const file = join(options.dataDir, API_TOKEN_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_API_TOKEN_LENGTH) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
