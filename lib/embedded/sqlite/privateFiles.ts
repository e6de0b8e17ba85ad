import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/** Owner-only modes of the data directory and of every file in it: tasks, payloads, results and the API token are private. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Told when an existing directory or file was more open than its private mode and was tightened. */
export type OnTightened = (message: string) => void;

/** The default {@link OnTightened}: a process warning, for callers without a runtime log. */
export const warnTightened: OnTightened = (message) => process.emitWarning(message);

/**
 * Creates the data directory owner-only (0700), or tightens an existing one
 * whose group or others have any access, saying so through `onTightened`.
 * Missing parents are created with the default mode (only the data
 * directory itself is private, as `git init` does for `.git`).
 */
export function ensurePrivateDirectory(dir: string, onTightened: OnTightened): void {
  try {
    mkdirSync(dir, { mode: PRIVATE_DIRECTORY_MODE });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, PRIVATE_DIRECTORY_MODE);
      return;
    }
    if (code !== 'EEXIST') throw error;
  }
  tighten(dir, PRIVATE_DIRECTORY_MODE, onTightened);
}

/**
 * Creates `path` empty with mode 0600 if it does not exist (so that SQLite,
 * which gives its `-wal` and `-shm` files the database file's mode, creates
 * them private too), or tightens an existing file.
 */
export function ensurePrivateFile(path: string, onTightened: OnTightened): void {
  try {
    // The umask can only take bits away from 0600: the new file is private.
    closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  tighten(path, PRIVATE_FILE_MODE, onTightened);
}

/** Tightens an existing file to 0600; a missing file is left missing. */
export function tightenIfPresent(path: string, onTightened: OnTightened): void {
  try {
    tighten(path, PRIVATE_FILE_MODE, onTightened);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function tighten(path: string, mode: number, onTightened: OnTightened): void {
  const current = statSync(path).mode & 0o777;
  // Only access by group or others is a problem; what the owner allows itself is its business.
  if ((current & 0o077) === 0) return;
  chmodSync(path, mode);
  onTightened(`${path} had mode ${current.toString(8).padStart(4, '0')}; set it to ${mode.toString(8).padStart(4, '0')} (owner only)`);
}
