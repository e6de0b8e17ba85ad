import type { z } from 'zod';
import { inputMismatchError, issuesOf } from '../validationIssues.js';

/**
 * Validates untrusted input against a process's schema.
 * @returns the parsed (possibly transformed) value
 * @throws {ValidationError} listing every offending field
 */
export function validateInput<I>(schema: z.ZodType<I> | undefined, value: unknown): I {
  if (!schema) return value as I;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw inputMismatchError(issuesOf(parsed.error), parsed.error);
}
