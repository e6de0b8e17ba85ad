import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import { inputMismatchError, type ValidationIssue } from '../../core/validationIssues.js';

/**
 * The input schemas of the processes, as JSON Schema (draft-07), for the
 * platform function: it has no process code, so it cannot run the zod
 * schemas, but it can validate `POST /sluice/tasks` payloads against their
 * JSON Schema and answer 400 as the embedded runtime does.
 *
 * The plugin writes the file at package time (`writeInputSchemas`), next to
 * the service, and bundles it with the platform function only
 * (`package.patterns`): schemas can be far larger than the 4 KB Lambda
 * allows for all environment variables, so the variable
 * `SLUICE_INPUT_SCHEMAS` carries only the file's path in the bundle.
 *
 * File format: `{ "version": 1, "schemas": { "<process>": <JSON Schema> } }`.
 * A process is absent when it has no input schema (anything goes) or when
 * its schema has no JSON Schema form (`z.date()`, `z.custom()`, ...): its
 * payloads are then validated by the worker only (a 202, then a `failed`
 * task), and the plugin warns about it at package time. Refinements
 * (`.refine`, `.check`) and string formats are not part of the JSON Schema
 * check either: the worker still applies them.
 */
export const INPUT_SCHEMAS_FILE = '.sluice-build/input-schemas.json';

const fileSchema = z.strictObject({ version: z.literal(1), schemas: z.record(z.string(), z.record(z.string(), z.unknown())) });

/** A compiled payload check: throws like `validateInput` does. */
export type PayloadValidator = (payload: unknown) => void;

/** The file's content for `schemas` (process name → JSON Schema). */
export function encodeInputSchemas(schemas: Readonly<Record<string, object>>): string {
  return `${JSON.stringify({ version: 1, schemas })}\n`;
}

/**
 * Compiles one process's JSON Schema with the options the platform uses.
 *
 * - formats are not checked (their checker, ajv-formats, is not a
 *   dependency; the worker's zod schema checks them);
 * - patterns are compiled without the `u` flag, as zod's own regexes are;
 * - unknown keywords are ignored (not strict): zod writes some for
 *   documentation.
 *
 * @throws {Error} when ajv cannot compile the schema
 */
export function compilePayloadValidator(schema: object): PayloadValidator {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  return (payload) => {
    if (validate(payload)) return;
    // The same message and issue shape as `validateInput` (the embedded runtime's zod check).
    throw inputMismatchError(relevantErrors(validate.errors ?? []).map(issueOf));
  };
}

/**
 * Reads and compiles the schema file named by `SLUICE_INPUT_SCHEMAS`,
 * relative to the function's code (`LAMBDA_TASK_ROOT`, else the working
 * directory).
 *
 * @throws {ConfigError} when the file is missing or not a schema file (a packaging fault: loud at cold start)
 */
export function loadPayloadValidators(file: string, root: string = process.env.LAMBDA_TASK_ROOT ?? process.cwd()): Map<string, PayloadValidator> {
  const where = path.resolve(root, file);
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(where, 'utf8')));
  } catch (cause) {
    throw new ConfigError(`the input schema file ${where} (SLUICE_INPUT_SCHEMAS) cannot be read: ${(cause as Error).message}`, { cause });
  }
  const validators = new Map<string, PayloadValidator>();
  for (const [process, schema] of Object.entries(parsed.schemas)) {
    try {
      validators.set(process, compilePayloadValidator(schema));
    } catch (cause) {
      throw new ConfigError(`the input schema of '${process}' in ${where} does not compile: ${(cause as Error).message}`, { cause });
    }
  }
  return validators;
}

/**
 * The errors a caller can act on, closer to zod's report. For a union
 * (`anyOf`/`oneOf`, e.g. a nullable object) ajv reports every branch's
 * failure plus the union's own: drop the union's own, and when some branch
 * failed on more than its type, drop the branches that merely had another
 * type (the caller meant the branch of the right type).
 */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const isUnion = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';
  const inBranch = (e: ErrorObject) => /\/(anyOf|oneOf)\//.test(e.schemaPath);
  const branchErrors = errors.filter((e) => inBranch(e) && !isUnion(e));
  const typeOnly = branchErrors.every((e) => e.keyword === 'type');
  const kept = errors.filter((e) => !isUnion(e) && (!inBranch(e) || typeOnly || e.keyword !== 'type'));
  return kept.length > 0 ? kept : [...errors];
}

function issueOf(error: ErrorObject): ValidationIssue {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) segments.push(params.missingProperty);
  const message = error.keyword === 'additionalProperties' && params.additionalProperty !== undefined
    ? `unrecognized key '${params.additionalProperty}'`
    : (error.message ?? 'invalid');
  return { path: segments.join('.') || '(root)', message };
}
