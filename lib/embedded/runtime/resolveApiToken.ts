import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE, tightenIfPresent } from '../sqlite/privateFiles.js';

export const API_TOKEN_FILE = 'api-token';

/**
 * The control-plane token: given explicitly, else `SLUICE_API_TOKEN`, else
 * the one generated on first start into `<dataDir>/api-token` (mode 0600,
 * in the owner-only data directory; an existing file or directory open to
 * group or others is tightened and `onTightened` told).
 * Authentication is on by default; the token is never printed.
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
    if (given.length < 16) throw new Error('SLUICE_API_TOKEN must be at least 16 characters');
    return given;
  }
  const file = join(options.dataDir, API_TOKEN_FILE);
  const onTightened = options.onTightened ?? ((message: string) => process.emitWarning(message));
  ensurePrivateDirectory(options.dataDir, onTightened);
  tightenIfPresent(file, onTightened);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: PRIVATE_FILE_MODE });
  return token;
}
