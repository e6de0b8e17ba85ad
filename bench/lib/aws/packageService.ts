/**
 * `npm run package` (osls `serverless package`, offline) on a copy of the
 * repository in a bench temp dir, as the packaging tests do it
 * (test/aws/packaging/packagedService.ts), but with the packaging process
 * registered with the runner, so it dies with it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { copyService, readTemplate, unzip, type Template } from '../../../test/aws/packaging/packagedService.js';
import type { BenchContext } from '../BenchModule.js';

/** One function of the packaged service: its zip, unpacked, and its CloudFormation. */
export interface PackagedFunction {
  /** The key in serverless.yml (`customer-sync`). */
  key: string;
  /** `functions/customerSync.handler`. */
  handler: string;
  /** The Lambda::Function resource's logical id. */
  logicalId: string;
  memoryMb: number;
  architecture: string;
  /** Environment variables as in the template (CloudFormation values unresolved). */
  environment: Record<string, unknown>;
  zipFile: string;
  zipBytes: number;
  /** Where the zip was unpacked. */
  bundleDir: string;
  /** The handler's bundled file (`<bundleDir>/functions/customerSync.js`). */
  bundleFile: string;
  bundleBytes: number;
  /** Every file of the zip, unpacked. */
  unzippedBytes: number;
  unzippedFiles: number;
}

export interface PackagedService {
  /** The copy that was packaged (node_modules linked). */
  serviceDir: string;
  packageDir: string;
  template: Template;
  /** `service` of serverless-state.json: the configuration as the framework resolved it. */
  resolved: { service: string; provider: { runtime: string }; custom?: { esbuild?: Record<string, unknown> }; functions: Record<string, { handler: string }> };
  functions: PackagedFunction[];
  /** Wall time of `npm run package`. */
  packagingMs: number;
}

/** Every file below `dir` (bytes, count). */
function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(path.join(entry.parentPath, entry.name)).size;
    files++;
  }
  return { bytes, files };
}

/**
 * Copies the repository, with the demo shop service in place of its own
 * (see copyService), into `workDir/service`, packages it there for
 * `stage` into `workDir/package` (no AWS credentials from the environment:
 * the script supplies dummy ones), and unpacks every function's zip into
 * `workDir/bundles/<key>`.
 */
export async function packageService(ctx: BenchContext, workDir: string, stage: string): Promise<PackagedService> {
  const serviceDir = path.join(workDir, 'service');
  const packageDir = path.join(workDir, 'package');
  copyService(serviceDir);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_')) env[name] = value;
  const began = performance.now();
  const child = ctx.children.start({
    name: 'npm run package',
    cwd: serviceDir,
    nodeArgs: ['--import', 'tsx', 'scripts/package.ts', '--stage', stage, '--package', packageDir],
    env,
  });
  const exit = await child.exited;
  const packagingMs = performance.now() - began;
  if (exit.code !== 0) throw new Error(`npm run package exited with ${exit.code ?? exit.signal}:\n${child.outputTail()}`);

  const template = readTemplate(packageDir);
  const resolved = (JSON.parse(readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8')) as { service: PackagedService['resolved'] }).service;
  const functions: PackagedFunction[] = [];
  for (const [key, fn] of Object.entries(resolved.functions)) {
    const found = Object.entries(template.Resources).find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `${resolved.service}-${stage}-${key}`,
    );
    if (!found) throw new Error(`no Lambda function for ${key} in the packaged template`);
    const [logicalId, resource] = found;
    const zipFile = path.join(packageDir, `${key}.zip`);
    const bundleDir = path.join(workDir, 'bundles', key);
    await unzip(zipFile, bundleDir);
    const bundleFile = path.join(bundleDir, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`);
    const unzipped = treeSize(bundleDir);
    functions.push({
      key,
      handler: fn.handler,
      logicalId,
      memoryMb: resource.Properties.MemorySize ?? 1024,
      architecture: (resource.Properties.Architectures as string[] | undefined)?.[0] ?? 'x86_64',
      environment: (resource.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
      zipFile,
      zipBytes: statSync(zipFile).size,
      bundleDir,
      bundleFile,
      bundleBytes: statSync(bundleFile).size,
      unzippedBytes: unzipped.bytes,
      unzippedFiles: unzipped.files,
    });
  }
  return { serviceDir, packageDir, template, resolved, functions, packagingMs };
}
