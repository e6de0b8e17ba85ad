/**
 * A synthetic but realistically shaped lineage graph for the events
 * benchmark: what a warehouse of many small pipelines records over a month.
 *
 *   pipeline i (of {@link LINEAGE_SHAPE.pipelines}), 5..8 hops per run:
 *     files://landing/p<i>/run-<r>.csv          a new landed file every run
 *       -> db://warehouse/p<i>_stage1 -> ... -> db://warehouse/p<i>_mart     stable tables
 *   per run also:
 *     hub fan-out:  db://warehouse/dim_<h> -> db://warehouse/p<i>_stage2     (20 shared dimensions, 1-2 per pipeline)
 *     report fan-in: db://warehouse/p<i>_mart -> files://exports/report-<j>.csv   (50 reports, 8 pipelines each)
 *     cross-pipeline, 1 run in 5: db://warehouse/p<i>_mart -> db://warehouse/p<i+1>_stage1
 *
 * One run is one task emitting its hops as events (9 on average), spread over
 * the last 30 days, round-robin over the pipelines until the event count is
 * reached. Stable tables therefore collect one upstream edge per run, hubs
 * thousands of downstream edges (the walk follows 200 per node), and reports
 * a couple of hundred upstream edges. Deterministic for a seed.
 */

export const LINEAGE_SHAPE = { pipelines: 400, hubs: 20, reports: 50, days: 30 } as const;

export interface PipelineRun {
  process: string;
  /** Epoch ms of the run. */
  atMs: number;
  hops: Array<{ label: string; source: string; target: string }>;
}

/** mulberry32: a small deterministic PRNG, [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stage = (i: number, k: number) => `db://warehouse/p${i}_stage${k}`;
const mart = (i: number) => `db://warehouse/p${i}_mart`;
const hub = (h: number) => `db://warehouse/dim_${h}`;
const report = (j: number) => `files://exports/report-${j}.csv`;

/** The nodes with the most edges: hubs, reports and marts (the walks' worst cases). */
export function heavyNodes(): string[] {
  const { pipelines, hubs, reports } = LINEAGE_SHAPE;
  return [...Array.from({ length: hubs }, (_, h) => hub(h)), ...Array.from({ length: reports }, (_, j) => report(j)), ...Array.from({ length: pipelines }, (_, i) => mart(i))];
}

/** The runs that together emit exactly `events` events, oldest first, the last ending at `endMs`. */
export function* pipelineRuns(events: number, endMs: number, seed = 9): Generator<PipelineRun> {
  const { pipelines, hubs, reports, days } = LINEAGE_SHAPE;
  const random = seededRandom(seed);
  const hopsOf = (i: number) => 5 + (i % 4); // 5..8
  const perRun = Array.from({ length: pipelines }, (_, i) => hopsOf(i) + 1 + (i % 3 === 0 ? 1 : 0) + 1 + 0.2).reduce((a, b) => a + b, 0) / pipelines;
  const runs = Math.ceil(events / perRun);
  const stepMs = (days * 86_400_000) / runs;
  let left = events;
  for (let n = 0; left > 0; n++) {
    const i = n % pipelines;
    const r = Math.floor(n / pipelines);
    const hops: PipelineRun['hops'] = [];
    const chain = [`files://landing/p${i}/run-${r}.csv`, ...Array.from({ length: hopsOf(i) - 1 }, (_, k) => stage(i, k + 1)), mart(i)];
    for (let k = 0; k + 1 < chain.length; k++) hops.push({ label: `p${i}.step${k + 1}`, source: chain[k]!, target: chain[k + 1]! });
    hops.push({ label: `p${i}.dimension`, source: hub(i % hubs), target: stage(i, 2) });
    if (i % 3 === 0) hops.push({ label: `p${i}.dimension`, source: hub((i * 7 + 3) % hubs), target: stage(i, 2) });
    hops.push({ label: `p${i}.report`, source: mart(i), target: report(i % reports) });
    if (random() < 0.2) hops.push({ label: `p${i}.feeds`, source: mart(i), target: stage((i + 1) % pipelines, 1) });
    const kept = hops.slice(0, left);
    left -= kept.length;
    yield { process: `pipeline-${i}`, atMs: Math.round(endMs - days * 86_400_000 + n * stepMs), hops: kept };
  }
}
