import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { compilePayloadValidator, encodeInputSchemas, INPUT_SCHEMAS_FILE } from '../aws/config/inputSchemaCatalog.js';
import type { ServiceManifest } from '../config/ServiceManifest.js';
import { loadProcesses } from '../embedded/runtime/loadProcesses.js';

/**
 * The JSON Schema (draft-07, input side: defaults make fields optional) of a
 * process's zod input schema, or why it has none that the platform function
 * could check.
 */
export function inputJsonSchema(schema: z.ZodType): { schema: object } | { unrepresentable: string } {
  let json: object;
  try {
    json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'throw', cycles: 'ref' });
  } catch (error) {
    return { unrepresentable: (error as Error).message };
  }
  try {
    compilePayloadValidator(json);
  } catch (error) {
    return { unrepresentable: `its JSON Schema does not compile: ${(error as Error).message}` };
  }
  return { schema: json };
}

/**
 * At package time: loads every process that accepts async tasks, converts
 * its input schema to JSON Schema and writes them all to
 * {@link INPUT_SCHEMAS_FILE} in the service directory, which the plugin
 * bundles with the platform function.
 *
 * @returns the file written, and a warning per process whose schema has no
 *   JSON Schema form, or whose module cannot be loaded here (its payloads are
 *   then validated by the worker only)
 */
export async function writeInputSchemas(manifest: ServiceManifest, serviceDir: string): Promise<{ file: string; warnings: string[] }> {
  const schemas: Record<string, object> = {};
  const warnings: string[] = [];
  for (const process of manifest.processes) {
    if (process.taskQueue === undefined) continue;
    let input: z.ZodType | undefined;
    try {
      // One at a time: a process that cannot be loaded here costs only its own check.
      const [loaded] = await loadProcesses({ ...manifest, processes: [process] });
      input = loaded!.runnable.definition.input;
    } catch (error) {
      warnings.push(`${(error as Error).message}; POST /sluice/tasks on AWS accepts its payloads unchecked and the worker validates them`);
      continue;
    }
    if (input === undefined) continue;
    const converted = inputJsonSchema(input);
    if ('schema' in converted) schemas[process.name] = converted.schema;
    else {
      warnings.push(
        `functions.${process.name}: its input schema has no JSON Schema form (${converted.unrepresentable}); POST /sluice/tasks on AWS accepts its payloads unchecked and the worker validates them (an invalid one ends as a failed task, not a 400)`,
      );
    }
  }
  const file = path.join(serviceDir, INPUT_SCHEMAS_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodeInputSchemas(schemas));
  return { file, warnings };
}
