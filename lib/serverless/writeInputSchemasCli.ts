/**
 * `node --import tsx writeInputSchemasCli.ts <serviceDir>`, the manifest as
 * JSON on stdin: runs {@link writeInputSchemas} in a process of its own. The
 * plugin runs inside the Serverless Framework, which loads plugins as
 * CommonJS; process modules are ES modules (TypeScript), and tsx's in-process
 * ESM API cannot register its loader on Node 20. A child process also keeps
 * the side effects of importing user code out of the framework's process.
 *
 * Prints `{"file": ..., "warnings": [...]}` on success; on failure prints the
 * error to stderr and exits with 2 (a `ConfigError`, shown as is) or 1.
 */
import type { ServiceManifest } from '../config/ServiceManifest.js';
import { writeInputSchemas } from './writeInputSchemas.js';
import { sluiceErrorKind } from '../core/errors.js';

const serviceDir = process.argv[2];
let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
try {
  if (!serviceDir) throw new Error('usage: writeInputSchemasCli.ts <serviceDir> < manifest.json');
  const result = await writeInputSchemas(JSON.parse(input) as ServiceManifest, serviceDir);
  process.stdout.write(JSON.stringify(result));
} catch (error) {
  // By brand, not by name, as the plugin does.
  const configError = sluiceErrorKind(error) === 'ConfigError';
  process.stderr.write(configError ? (error as Error).message : String((error as Error)?.stack ?? error));
  process.exitCode = configError ? 2 : 1;
}
