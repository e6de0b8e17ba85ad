import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './markdownTable.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface CpuProfileSummary {
  file: string;
  /** Start-up left out. */
  skippedMs: number;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** Self time by where the code lives (SQLite native calls, node:http, Hono, Sluice's own modules...). */
  byArea: TimeShare[];
  /** Functions with the most self time. */
  topSelf: TimeShare[];
  /** Sluice functions with the most inclusive time (their callees included). */
  topSluiceInclusive: TimeShare[];
}

/**
 * Reads a `node --cpu-prof` profile and says where the time went: self time
 * by area and by function, and inclusive time of Sluice's own functions
 * (recursion counted once).
 */
export function summarizeCpuProfile(file: string, repoRoot: string, options: { skipFirstMs?: number; top?: number } = {}): CpuProfileSummary {
  const top = options.top ?? 12;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to that sample.
  // Samples of the first `skipFirstMs` (start-up: loading and compiling modules) are left out.
  const skipUs = (options.skipFirstMs ?? 0) * 1000;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    elapsedUs += delta;
    if (elapsedUs > skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });

  const location = (n: ProfileNode) => describeUrl(n.callFrame.url, repoRoot);
  const fnKey = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${location(n)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  const isIdle = (n: ProfileNode) => n.callFrame.functionName === '(idle)';

  let totalUs = 0;
  let idleUs = 0;
  const areaUs = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    totalUs += us;
    if (isIdle(n)) {
      idleUs += us;
      continue;
    }
    const area = areaOf(n, repoRoot);
    areaUs.set(area, (areaUs.get(area) ?? 0) + us);
    selfByFn.set(fnKey(n), (selfByFn.get(fnKey(n)) ?? 0) + us);
  }

  // Inclusive time of Sluice frames: walk the tree once, adding each node's
  // self time to every distinct Sluice function on its stack.
  const inclusive = new Map<string, number>();
  const root = profile.nodes[0];
  const stack: { node: ProfileNode; keys: Set<string> }[] = root ? [{ node: root, keys: new Set() }] : [];
  while (stack.length > 0) {
    const { node, keys } = stack.pop()!;
    let own = keys;
    if (node.callFrame.url.startsWith('file://') && fileURLToPath(node.callFrame.url).startsWith(`${repoRoot}/lib/`)) {
      own = new Set(keys).add(fnKey(node));
    }
    const us = selfUs.get(node.id) ?? 0;
    if (us > 0) for (const key of own) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    for (const child of node.children ?? []) stack.push({ node: byId.get(child)!, keys: own });
  }

  const busyUs = totalUs - idleUs;
  const shares = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    file,
    skippedMs: options.skipFirstMs ?? 0,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    byArea: shares(areaUs, 20),
    topSelf: shares(selfByFn, top),
    topSluiceInclusive: shares(inclusive, top),
  };
}

function describeUrl(url: string, repoRoot: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('file://')) {
    const path = fileURLToPath(url);
    const rel = relative(repoRoot, path);
    return rel.startsWith('..') ? path : rel;
  }
  return url;
}

function areaOf(n: ProfileNode, repoRoot: string): string {
  const { functionName, url } = n.callFrame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'V8/native, not attributed (program)';
    // Native functions called from JS: better-sqlite3's statement methods, crypto, buffers...
    return 'native calls from JS (SQLite statements, crypto, ...)';
  }
  if (url.startsWith('node:')) {
    const mod = /^node:(?:internal\/)?([a-z_]+)/.exec(url)?.[1] ?? 'other';
    return `Node core (${mod})`;
  }
  const rel = url.startsWith('file://') ? relative(repoRoot, fileURLToPath(url)) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel)?.[1];
  if (pkg) return `package ${pkg}`;
  const sluice = /^lib\/([a-z]+(?:\/[a-z]+)?)\//.exec(rel)?.[1];
  if (sluice) return `Sluice lib/${sluice}`;
  return rel.startsWith('..') ? 'other' : `Sluice ${rel.split('/').slice(0, 2).join('/')}`;
}

/** The summary as Markdown: areas, then the hottest functions. */
export function cpuProfileMarkdown(summary: CpuProfileSummary, repoRoot: string): string {
  const pct = (s: number) => `${(s * 100).toFixed(1)}%`;
  const ms = (v: number) => v.toFixed(0);
  const rows = (list: TimeShare[]) => list.map((t) => [t.name, ms(t.ms), pct(t.share)]);
  return [
    `Profile \`${relative(repoRoot, summary.file)}\`: ${ms(summary.totalMs)} ms sampled after the first ${ms(summary.skippedMs)} ms (start-up, left out), ${ms(summary.busyMs)} ms of it busy. Line numbers are those of tsx's transpiled output.`,
    '',
    'Self time by area (share of busy time):',
    '',
    markdownTable(['area', 'ms', 'share'], rows(summary.byArea), ['l', 'r', 'r']),
    '',
    'Functions with the most self time:',
    '',
    markdownTable(['function', 'ms', 'share'], rows(summary.topSelf), ['l', 'r', 'r']),
    '',
    'Sluice functions by inclusive time (callees included):',
    '',
    markdownTable(['function', 'ms', 'share'], rows(summary.topSluiceInclusive), ['l', 'r', 'r']),
  ].join('\n');
}
