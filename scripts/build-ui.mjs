#!/usr/bin/env node
/**
 * Builds the dashboard (ui/) into dist/ui/ with esbuild: index.html, hashed
 * ESM chunks and CSS under assets/. Code splitting keeps cytoscape + dagre
 * in a chunk of their own, loaded only when the lineage view opens.
 *
 *   node scripts/build-ui.mjs [--outdir dir] [--if-stale]
 *
 * `--if-stale` builds only when a file under ui/ (or this script) is newer
 * than the last build. Written into a temporary directory and renamed, so a
 * server never sees a half-written build.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const UI_SOURCE = join(ROOT, 'ui');
export const UI_OUT = join(ROOT, 'dist', 'ui');
const SELF = fileURLToPath(import.meta.url);

function newestMtime(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when `outDir` has no build or one older than a file of ui/ or of this script. */
export function isUiBuildStale(outDir = UI_OUT) {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  return Math.max(newestMtime(UI_SOURCE), statSync(SELF).mtimeMs) > statSync(index).mtimeMs;
}

/**
 * Builds the dashboard into `outDir`.
 * @returns {Promise<{ outDir: string, entry: string, css: string[], files: string[] }>} names relative to outDir
 */
export async function buildUi(outDir = UI_OUT) {
  const { build } = await import('esbuild');
  const target = resolve(outDir);
  const temp = `${target}.tmp-${process.pid}-${Date.now()}`;
  rmSync(temp, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: join(UI_SOURCE, 'src', 'main.tsx') },
    tsconfig: join(UI_SOURCE, 'tsconfig.json'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    outdir: join(temp, 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs).map(([file, info]) => ({ file: relative(temp, resolve(ROOT, file)).split('\\').join('/'), info }));
  const entry = outputs.find((o) => o.info.entryPoint !== undefined && o.file.endsWith('.js'));
  if (!entry) throw new Error('esbuild produced no entry chunk');
  const css = outputs.filter((o) => o.file.endsWith('.css')).map((o) => o.file);
  // No inline script or style: the server's CSP allows only these files.
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Sluice</title>
${css.map((file) => `<link rel="stylesheet" href="./${file}">`).join('\n')}
<script type="module" src="./${entry.file}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Sluice dashboard needs JavaScript.</noscript>
</body>
</html>
`;
  writeFileSync(join(temp, 'index.html'), html);
  mkdirSync(dirname(target), { recursive: true });
  const old = `${target}.old-${process.pid}-${Date.now()}`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(temp, target);
  rmSync(old, { recursive: true, force: true });
  return { outDir: target, entry: entry.file, css, files: ['index.html', ...outputs.map((o) => o.file)] };
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  const outDir = at >= 0 ? resolve(args[at + 1] ?? '') : UI_OUT;
  if (args.includes('--if-stale') && !isUiBuildStale(outDir)) {
    console.log(`${relative(process.cwd(), outDir) || outDir} is up to date`);
  } else {
    const built = await buildUi(outDir);
    console.log(`built the dashboard into ${relative(process.cwd(), built.outDir) || built.outDir}/ (${built.files.length} files; entry ${basename(built.entry)})`);
  }
}
