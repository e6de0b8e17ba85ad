import { isSecretRef, type Resolved } from '../../config/connections/secretRef.js';
import type { SecretRef, SecretResolver } from '../../core/agents/SecretResolver.js';
import { ConfigError } from '../../core/errors.js';

/**
 * A copy of `settings` with every secret reference replaced by its value,
 * the references resolved in parallel. Arrays and plain objects are walked;
 * other values are kept as they are (the input is not changed).
 *
 * `place` is the path of `settings` (`custom.sluice.connections.warehouse`);
 * each reference is resolved at its own path below it
 * (`custom.sluice.connections.warehouse.auth.token`, `...hosts[1].password`),
 * which the resolver's errors name.
 *
 * @throws the resolver's error when one reference fails; a
 *   {@link ConfigError} listing every failure when several do (never a value)
 */
export async function resolveSecretRefs<T>(settings: T, resolver: SecretResolver, place: string): Promise<Resolved<T>> {
  if (isSecretRef(settings)) return (await resolver.resolve(settings, place)) as Resolved<T>;
  const pending: Array<Promise<void>> = [];
  const copy = walk(settings, place, resolver, pending);
  const outcomes = await Promise.allSettled(pending);
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new ConfigError(`${failures.length} secrets could not be resolved: ${failures.map((failure) => (failure instanceof Error ? failure.message : String(failure))).join('; ')}`, { cause: failures[0] });
  }
  return copy as Resolved<T>;
}

/** Copies `value`, leaving a hole where each reference is, filled by its pending resolution. */
function walk(value: unknown, path: string, resolver: SecretResolver, pending: Array<Promise<void>>): unknown {
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    value.forEach((item, index) => {
      copy[index] = walk(item, `${path}[${index}]`, resolver, pending);
      if (isSecretRef(item)) pending.push(resolveAt(resolver, item, `${path}[${index}]`).then((secret) => void (copy[index] = secret)));
    });
    return copy;
  }
  if (!isPlainObject(value) || isSecretRef(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemPath = `${path}.${key}`;
    copy[key] = walk(item, itemPath, resolver, pending);
    if (isSecretRef(item)) pending.push(resolveAt(resolver, item, itemPath).then((secret) => void (copy[key] = secret)));
  }
  return copy;
}

/** A resolver that throws instead of rejecting still fails only its own reference. */
async function resolveAt(resolver: SecretResolver, ref: SecretRef, path: string): Promise<string> {
  return resolver.resolve(ref, path);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
