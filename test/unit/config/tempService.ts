import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Writes a throwaway service directory: `serverless.yml` plus the named files
 * (handler modules get a stub body). For loader tests that need a
 * configuration per rule; the full example lives in test/fixtures/config.
 */
export class TempServices {
  private readonly dirs: string[] = [];

  create(yaml: string, files: Record<string, string> | string[] = ['functions/a.ts']): string {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
    this.dirs.push(dir);
    const entries = Array.isArray(files) ? files.map((file) => [file, 'export async function handler() {}\n'] as const) : Object.entries(files);
    for (const [file, content] of entries) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    const configPath = join(dir, 'serverless.yml');
    writeFileSync(configPath, yaml);
    return configPath;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A minimal service around `functionsYaml` (indented under `functions:`) and optional extra top-level YAML. */
export function serviceYaml(functionsYaml: string, extra = ''): string {
  return `service: svc
provider:
  name: aws
  runtime: nodejs22.x
functions:
${functionsYaml}
${extra}`;
}
