import { SluiceError } from '../core/errors.js';

/** The error `name` of an AWS SDK exception (service errors set it to their code). */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}

/**
 * Wraps an SDK failure that has no domain meaning (throttling after the SDK's
 * own retries, network, permissions) so callers see one error family with
 * the original as `cause`.
 */
export function awsRequestFailed(service: string, operation: string, target: string, cause: unknown): SluiceError {
  const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new SluiceError(`${service} ${operation} on '${target}' failed: ${detail}`, { cause });
}
