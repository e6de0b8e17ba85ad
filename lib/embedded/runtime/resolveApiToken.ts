import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE, tightenIfPresent, warnTightened } from '../sqlite/privateFiles.js';

export const API_TOKEN_FILE = 'api-token';
/** Shortest token accepted: anything shorter is guessable by brute force over HTTP. */
export const MIN_API_TOKEN_LENGTH = 16;

/**
 * The control-plane token: given explicitly, else `SLUICE_API_TOKEN`, else
 * the one generated on first start into `<dataDir>/api-token` (mode 0600,
 * in the owner-only data directory; an existing file or directory open to
 * group or others is tightened and `onTightened` told).
 * Authentication is on by default; the token is never printed.
 *
 * @throws ConfigError when the given token is shorter than
 *   {@link MIN_API_TOKEN_LENGTH} characters (the message gives its length, never the token).
 */
export function resolveApiToken(options: {
  explicit: string | undefined;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** @default process.emitWarning */
  onTightened?: (message: string) => void;
}): string {
  const given = options.explicit ?? options.env.SLUICE_API_TOKEN;
  if (given !== undefined) {
    if (given.length < MIN_API_TOKEN_LENGTH) {
      const source = options.explicit !== undefined ? 'the API token' : 'SLUICE_API_TOKEN';
      throw new ConfigError(`${source} must be at least ${MIN_API_TOKEN_LENGTH} characters (it has ${given.length}); unset it to use the token generated into ${join(options.dataDir, API_TOKEN_FILE)}`);
    }
    return given;
  }
  const file = join(options.dataDir, API_TOKEN_FILE);
  const onTightened = options.onTightened ?? warnTightened;
  ensurePrivateDirectory(options.dataDir, onTightened);
  tightenIfPresent(file, onTightened);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_API_TOKEN_LENGTH) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: PRIVATE_FILE_MODE });
  return token;
}
