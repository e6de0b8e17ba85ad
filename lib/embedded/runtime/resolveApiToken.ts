import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const API_TOKEN_FILE = 'api-token';

/**
 * The control-plane token: given explicitly, else `SLUICE_API_TOKEN`, else
 * the one generated on first start into `<dataDir>/api-token` (mode 0600).
 * Authentication is on by default; the token is never printed.
 */
export function resolveApiToken(options: { explicit: string | undefined; env: NodeJS.ProcessEnv; dataDir: string }): string {
  const given = options.explicit ?? options.env.SLUICE_API_TOKEN;
  if (given !== undefined) {
    if (given.length < 16) throw new Error('SLUICE_API_TOKEN must be at least 16 characters');
    return given;
  }
  const file = join(options.dataDir, API_TOKEN_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
