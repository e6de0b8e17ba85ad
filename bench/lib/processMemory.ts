import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  peakRss: number;
}

/** Reads /proc/<pid>/status (Linux). Undefined when the process is gone or /proc is unavailable. */
export function processMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const rss = kb('VmRSS');
  const peakRss = kb('VmHWM');
  return Number.isFinite(rss) && Number.isFinite(peakRss) ? { rss, peakRss } : undefined;
}

/**
 * Bytes the process has caused to be written to storage so far
 * (`write_bytes` of /proc/<pid>/io: counted when it dirties page cache, so
 * it includes SQLite's WAL appends and checkpoints even without fsync).
 * Undefined when unavailable.
 */
export function processDiskWrites(pid: number): number | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const value = Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? NaN);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
