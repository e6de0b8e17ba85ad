import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  node: string;
  cpuModel: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  /** Versions of the tools a benchmark depends on, from node_modules. */
  tools: Record<string, string>;
}

const TOOLS = ['autocannon', 'serverless', 'serverless-offline', 'better-sqlite3', 'hono'] as const;

/** The facts that make a number comparable with another: where and with what it was measured. */
export function machineInfo(repoRoot: string): MachineInfo {
  const tools: Record<string, string> = {};
  for (const name of TOOLS) {
    try {
      // Read directly: some packages' `exports` do not expose package.json to require.resolve.
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { name: string; version: string };
      // `serverless` is osls under an alias: say which.
      tools[name] = pkg.name === name ? pkg.version : `${pkg.name}@${pkg.version}`;
    } catch {
      tools[name] = 'not installed';
    }
  }
  return {
    node: process.version,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    kernel: `${process.platform} ${release()}`,
    tools,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `Node ${m.node}, ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.kernel}`;
}
