import { randomBytes } from 'node:crypto';

/**
 * The name an atomic write uploads to before renaming onto `name`:
 * `.<name>.<12 hex>.part`, in the same directory (a rename across
 * directories may cross file systems and stop being atomic).
 */
export function temporaryName(name: string): string {
  return `.${name}.${randomBytes(6).toString('hex')}.part`;
}

/** A write in progress: listings leave it out. */
export function isTemporary(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.part$/.test(name);
}
