import type * as z from 'zod';
import { ValidationError } from './errors.js';

/** One offending field, as every 400 lists it. */
export interface ValidationIssue {
  /** Dotted path (`items.0.sku`), `(root)` for the value itself. */
  path: string;
  message: string;
}

/**
 * zod issues as Sluice reports them: the one mapping from a zod error to
 * the `issues` of a 400 (or of a task's validation error).
 *
 * @param prefix path segments put before each issue's own path (e.g. the index of a batch entry)
 */
export function issuesOf(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: [...prefix, ...issue.path].map(String).join('.') || '(root)', message: issue.message }));
}

/** `path: message; path: message`, for error messages. */
export function summarizeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/**
 * A {@link ValidationError} (an HTTP 400 at the edges) for a failed zod parse.
 *
 * @param where names what was validated, e.g. `query`, `request body`
 */
export function validationErrorOf(error: z.ZodError, where: string, prefix: ReadonlyArray<PropertyKey> = []): ValidationError {
  const issues = issuesOf(error, prefix);
  return new ValidationError(`invalid ${where}: ${summarizeIssues(issues)}`, issues, { cause: error });
}

/**
 * The error of a payload that does not match its process's input schema, the
 * same on both runtimes whichever checked it (zod in the process, or the
 * package-time JSON Schema in the AWS platform function).
 */
export function inputMismatchError(issues: ValidationIssue[], cause?: unknown): ValidationError {
  return new ValidationError(`input does not match the schema: ${summarizeIssues(issues)}`, issues, cause === undefined ? undefined : { cause });
}
