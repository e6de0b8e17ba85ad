import type { z } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * Validates untrusted input against a process's schema.
 * @returns the parsed (possibly transformed) value
 * @throws {ValidationError} listing every offending field
 */
export function validateInput<I>(schema: z.ZodType<I> | undefined, value: unknown): I {
  if (!schema) return value as I;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ValidationError(`input does not match the schema: ${summary}`, issues, { cause: parsed.error });
}
