import type { ServiceManifest } from '../../config/ServiceManifest.js';
import type { RuntimeLog } from './RuntimeLog.js';

/**
 * Makes the `environment` of serverless.yml visible to process code as
 * `process.env` of the main thread, where the runtime imports every process
 * module once to read its declaration (tasks run in worker threads, each
 * with its own function's environment). All processes share this one, so a
 * variable set in the shell wins, and two functions that set the same
 * variable to different values get a warning (the first one's value stays).
 */
export function applyProcessEnvironment(manifest: ServiceManifest, env: NodeJS.ProcessEnv, log: RuntimeLog): void {
  const setBy = new Map<string, string>();
  for (const process of manifest.processes) {
    for (const [name, value] of Object.entries(process.environment)) {
      const owner = setBy.get(name);
      if (owner !== undefined) {
        if (env[name] !== value) log.warn(`environment variable ${name} differs between '${owner}' and '${process.name}'; keeping the value of '${owner}'`);
        continue;
      }
      if (env[name] === undefined) env[name] = value;
      setBy.set(name, process.name);
    }
  }
}
