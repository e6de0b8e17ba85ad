import type { TaskSummary } from '../core/task/TaskRecord.js';

/** One process's slice of a list page, read from the `byProcess` index. */
export interface ProcessScan {
  process: string;
  /**
   * Every matching (unexpired, status-filtered) entry with a key between
   * `bound` (exclusive) and the process's cursor position, newest first.
   */
  candidates: Array<{ key: string; summary: TaskSummary }>;
  /**
   * The lowest key examined when the scan stopped before the end of the
   * process's tasks; `undefined` when it reached the end. Below it, nothing
   * is known yet.
   */
  bound: string | undefined;
}

export interface MergedPage {
  items: TaskSummary[];
  /** Where each unfinished process resumes (exclusive upper key); empty when the listing is complete. */
  positions: Record<string, string>;
}

/**
 * The k-way merge behind "list every process, newest first".
 *
 * An entry may be emitted only when no process can still hold a newer,
 * unseen entry: i.e. its key is at or above every scan's `bound`. Emission
 * stops there, or after `limit` entries. Each process then resumes from the
 * last emitted key L when it still has unemitted candidates (they are older
 * than L), from its own `bound` when it has none (everything between was
 * emitted or did not match), and is finished when its scan reached the end
 * with nothing left over.
 *
 * Every page makes progress: if nothing could be emitted, the process that
 * set the highest bound resumes below it.
 */
export function mergeNewestFirst(scans: readonly ProcessScan[], limit: number): MergedPage {
  let horizon: string | undefined; // max bound: below it some process may hide newer entries
  for (const scan of scans) {
    if (scan.bound !== undefined && (horizon === undefined || scan.bound > horizon)) horizon = scan.bound;
  }
  const merged = scans
    .flatMap((scan) => scan.candidates.map((c) => ({ ...c, process: scan.process })))
    .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const emitted: typeof merged = [];
  for (const entry of merged) {
    if (emitted.length >= limit || (horizon !== undefined && entry.key < horizon)) break;
    emitted.push(entry);
  }
  const last = emitted.at(-1)?.key ?? horizon;
  const positions: Record<string, string> = {};
  for (const scan of scans) {
    const leftover = scan.candidates.some((c) => last === undefined || c.key < last);
    if (leftover && last !== undefined) positions[scan.process] = last;
    else if (scan.bound !== undefined) positions[scan.process] = scan.bound;
  }
  return { items: emitted.map((e) => e.summary), positions };
}
