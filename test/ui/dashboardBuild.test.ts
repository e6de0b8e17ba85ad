import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildUi } from '../../scripts/build-ui.mjs';

/** Issue 11: HTML + JS + CSS of the first load, gzip-compressed, at most 300 KB. */
const FIRST_LOAD_BUDGET = 300 * 1024;
const repoRoot = resolve(import.meta.dirname, '../..');

describe('the dashboard build', () => {
  const out = mkdtempSync(join(tmpdir(), 'sluice-ui-build-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('keeps the first load under 300 KB gzipped and cytoscape out of it', async () => {
    const built = await buildUi(join(out, 'ui'));
    const html = readFileSync(join(built.outDir, 'index.html'), 'utf8');
    // What the browser fetches before the app runs: index.html, the files it names, and their static imports.
    const firstLoad = new Set<string>(['index.html']);
    const pending = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (firstLoad.has(file)) continue;
      firstLoad.add(file);
      if (file.endsWith('.js')) {
        const code = readFileSync(join(built.outDir, file), 'utf8');
        for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w{},*\s$]+from\s*)?"\.\/([^"]+)"/g)) pending.push(`assets/${m[1]}`);
      }
    }
    const gzipped = [...firstLoad].map((file) => ({ file, bytes: gzipSync(readFileSync(join(built.outDir, file)), { level: 9 }).length }));
    const total = gzipped.reduce((sum, f) => sum + f.bytes, 0);
    console.log(`dashboard first load: ${(total / 1024).toFixed(1)} KB gzipped (${gzipped.map((f) => `${f.file} ${(f.bytes / 1024).toFixed(1)} KB`).join(', ')})`);
    expect(total).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
    expect(firstLoad.size).toBeGreaterThanOrEqual(3);
    // The lineage graph's libraries are a chunk of their own, reached only by a dynamic import.
    const eager = [...firstLoad].filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(built.outDir, f), 'utf8')).join('\n');
    expect(eager).not.toContain('cytoscape_stylesheet');
    const lazy = built.files.filter((f) => f.endsWith('.js') && !firstLoad.has(f)).map((f) => readFileSync(join(built.outDir, f), 'utf8'));
    expect(lazy.some((code) => code.includes('__________cytoscape_stylesheet') && code.includes('dagre'))).toBe(true);
    // No inline script or style: the CSP would refuse them.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
  });

  it('type-checks ui/ as its own project (DOM and JSX, which the root project leaves out)', async () => {
    await promisify(execFile)(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(repoRoot, 'ui')], { cwd: repoRoot });
  }, 60_000);
});
