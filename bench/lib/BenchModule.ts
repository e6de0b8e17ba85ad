import type { ChildProcesses } from './ChildProcesses.js';
import type { MachineInfo } from './machineInfo.js';
import type { TempDirs } from './TempDirs.js';

/** Options of `npm run bench` that every benchmark module honours. */
export interface BenchOptions {
  /** Measured rounds per variant (the median is reported). */
  rounds: number;
  /** Seconds per autocannon measurement. */
  durationSeconds: number;
  /** Seconds of autocannon warm-up before measuring. */
  warmupSeconds: number;
  /** Tasks / messages per async run. */
  tasks: number;
  /** Rows of the bulk load's smaller input (the larger one has 10x). */
  rows: number;
  /** `--quick`: a smoke run (modules may pick smaller inputs). */
  quick: boolean;
  /** Start the runtime under test with `--cpu-prof` and summarize where its time goes. */
  cpuProf: boolean;
  /** Where `--cpu-prof` writes (bench/.profiles). */
  profileDir: string;
}

export interface BenchContext {
  repoRoot: string;
  options: BenchOptions;
  machine: MachineInfo;
  children: ChildProcesses;
  tempDirs: TempDirs;
  /** Progress output (one line). */
  log(message: string): void;
}

/** One line of the final summary, usually one issue target. */
export interface SummaryRow {
  benchmark: string;
  metric: string;
  value: string;
  /** e.g. `>= 4x`; omitted for informational rows. */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  /** The Markdown body of this module's section in BENCHMARKS.md (tables, targets, notes). */
  markdown: string;
  summary: SummaryRow[];
}

/**
 * A benchmark of `npm run bench`. bench/run.ts lists the modules; each
 * starts what it measures, measures it, stops it, and describes the outcome.
 */
export interface BenchModule {
  /** For `--only <name>` and the BENCHMARKS.md section markers. */
  name: string;
  /** Section heading in BENCHMARKS.md. */
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
