/**
 * Bundling as serverless-esbuild does for `serverless package`, outside the
 * framework: for the hello-world baseline, and to get an esbuild metafile of
 * a function (what its bundle is made of). The options come from the
 * resolved `custom.esbuild` of the packaged service, translated the way
 * serverless-esbuild 1.57 translates them (dist/index.js `getBuildOptions`,
 * dist/bundle.js); `bench/aws.ts` checks the translation by rebuilding the
 * packaged functions and comparing the bytes.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** serverless-esbuild's own settings: removed before the rest goes to esbuild (dist/bundle.js). */
const PLUGIN_ONLY = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
];

/**
 * The esbuild options serverless-esbuild builds every function with, from
 * `custom.esbuild` and the provider runtime: its defaults (bundle, platform
 * node, target from the runtime, `exclude: ['aws-sdk']`) under the custom
 * values (arrays replace), `exclude` turned into `external`.
 */
export function esbuildOptionsOf(custom: Record<string, unknown>, runtime: string): BuildOptions {
  const version = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const merged: Record<string, unknown> = { bundle: true, platform: 'node', exclude: ['aws-sdk'], external: [], ...(version ? { target: `node${version}` } : {}), ...custom };
  const exclude = (merged.exclude as string[] | undefined) ?? [];
  const external = [...((merged.external as string[] | undefined) ?? []), ...(exclude.includes('*') ? [] : exclude)];
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(merged)) if (!PLUGIN_ONLY.includes(name)) options[name] = value;
  return { ...(options as BuildOptions), external };
}

/** The handler's source file, relative to `serviceDir` (`functions/customerSync.handler` -> `functions/customerSync.ts`). */
export function entryOf(serviceDir: string, handler: string): string {
  const base = handler.slice(0, handler.lastIndexOf('.'));
  for (const extension of ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']) {
    if (existsSync(path.join(serviceDir, `${base}${extension}`))) return `${base}${extension}`;
  }
  throw new Error(`no source file for the handler ${handler} in ${serviceDir}`);
}

export interface BuiltBundle {
  file: string;
  bytes: number;
  metafile: Metafile;
}

/**
 * Builds `entry` (relative to `workingDir`, or absolute) with `options` into
 * `outdir`, as serverless-esbuild does (its working directory is the
 * service's), with a metafile.
 */
export async function buildBundle(workingDir: string, entry: string, options: BuildOptions, outdir: string): Promise<BuiltBundle> {
  mkdirSync(outdir, { recursive: true });
  const result = await build({ ...options, absWorkingDir: workingDir, entryPoints: [entry], outdir, metafile: true, write: true, logLevel: 'error' });
  const outputs = Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js'));
  if (outputs.length !== 1) throw new Error(`expected one .js output for ${entry}, got ${outputs.join(', ')}`);
  const file = path.resolve(workingDir, outputs[0]!);
  return { file, bytes: statSync(file).size, metafile: result.metafile };
}

interface Archiver {
  pipe(stream: NodeJS.WritableStream): void;
  append(data: Buffer, options: { name: string; mode: number; date: Date }): void;
  finalize(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}

/**
 * Zips one file as serverless-esbuild's default (`nativeZip: false`) does:
 * archiver's zip, default compression, date 0. Returns the zip's size.
 */
export async function zipLikeServerlessEsbuild(file: string, nameInZip: string, zipFile: string): Promise<number> {
  // serverless-esbuild's own archiver, whichever version it resolves.
  const requireFromPlugin = createRequire(createRequire(import.meta.url).resolve('serverless-esbuild'));
  const archiver = requireFromPlugin('archiver') as { create(format: 'zip'): Archiver };
  const zip = archiver.create('zip');
  const output = createWriteStream(zipFile);
  await new Promise<void>((resolve, reject) => {
    output.on('close', resolve);
    output.on('error', reject);
    zip.on('error', reject);
    zip.pipe(output);
    zip.append(readFileSync(file), { name: nameInZip, mode: statSync(file).mode, date: new Date(0) });
    void zip.finalize();
  });
  return statSync(zipFile).size;
}

export interface PackageShare {
  /** An npm package (`zod`, `@aws-lambda-powertools/batch`) or a folder of this repository (`lib/core`). */
  name: string;
  /** Bytes of the minified output that came from it. */
  bytes: number;
  /** Input files it contributed. */
  files: number;
}

/** The npm package a bundled input belongs to, else its repository folder (two levels). */
export function ownerOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  const parts = input.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.slice(0, -1).join('/') || input;
}

/**
 * What the output is made of, by package, largest first; the rest of the
 * file (esbuild's module wrappers and helpers) as `(esbuild glue)`.
 */
export function bytesByPackage(bundle: BuiltBundle): PackageShare[] {
  const [output] = Object.values(bundle.metafile.outputs).filter((o) => o.entryPoint !== undefined);
  if (!output) throw new Error('the metafile has no entry output');
  const shares = new Map<string, PackageShare>();
  let attributed = 0;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = ownerOf(input);
    const share = shares.get(name) ?? { name, bytes: 0, files: 0 };
    share.bytes += bytesInOutput;
    share.files++;
    attributed += bytesInOutput;
    shares.set(name, share);
  }
  const list = [...shares.values()].sort((a, b) => b.bytes - a.bytes);
  list.push({ name: '(esbuild glue: module wrappers, helpers)', bytes: bundle.bytes - attributed, files: 0 });
  return list;
}
