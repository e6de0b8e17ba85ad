import { pathToFileURL } from 'node:url';
import type { ProcessManifest, ServiceManifest } from '../../config/ServiceManifest.js';
import { ConfigError } from '../../core/errors.js';
import type { ProcessDefinition } from '../../core/process/types.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { PlatformProcess } from '../../platform/PlatformProcess.js';
import { processDefinitionOf } from '../../sdk/defineProcess.js';

/** A declared process with its code loaded. */
export interface LoadedProcess {
  manifest: ProcessManifest;
  runnable: RunnableProcess;
  platform: PlatformProcess;
}

/**
 * Imports every process module named by `serverless.yml` and checks that
 * its handler export is a Sluice process whose name (if given) matches the
 * function key. Errors name the function and the file.
 */
export async function loadProcesses(manifest: ServiceManifest): Promise<LoadedProcess[]> {
  const loaded: LoadedProcess[] = [];
  for (const process of manifest.processes) {
    const definition = await importDefinition(process);
    const runnable: RunnableProcess = { name: process.name, definition, timeoutMs: process.timeoutSeconds * 1000, ...(process.backoff ? { backoff: process.backoff } : {}) };
    const platform: PlatformProcess = {
      name: process.name,
      taskQueue: process.taskQueue,
      definition,
      http: process.http,
      queues: process.queues,
      schedules: process.schedules,
      subscriptions: process.subscriptions,
      timeoutSeconds: process.timeoutSeconds,
      railway: [...definition.logics.map((logic) => logic.name), definition.aggregator.name],
      ...(definition.description ? { description: definition.description } : {}),
    };
    loaded.push({ manifest: process, runnable, platform });
  }
  return loaded;
}

async function importDefinition(process: ProcessManifest): Promise<ProcessDefinition> {
  const where = `function '${process.name}' (handler ${process.handler.declared})`;
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(process.handler.file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigError(`${where}: cannot load ${process.handler.file}: ${(cause as Error).message}`, { cause });
  }
  const exported = module[process.handler.export];
  if (exported === undefined) throw new ConfigError(`${where}: ${process.handler.file} has no export '${process.handler.export}'`);
  const definition = processDefinitionOf(exported);
  if (!definition) {
    throw new ConfigError(`${where}: export '${process.handler.export}' is not a Sluice process; export the 'handler' of defineProcess(...)`);
  }
  if (definition.name !== undefined && definition.name !== process.name) {
    throw new ConfigError(`${where}: the process is named '${definition.name}' but the function key is '${process.name}'; use the same name (or omit 'name')`);
  }
  return definition;
}
