import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { InputOf, ProcessDefinition, ProcessSpec } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Validates and freezes a process declaration. Pure: no runtime is attached
 * here (see the SDK's `defineProcess`, which adds the Lambda handler).
 *
 * @throws {ConfigError} when the declaration is unusable; the message names the problem.
 */
export function buildProcessDefinition<S extends z.ZodType | undefined, R>(
  spec: ProcessSpec<S, R>,
): ProcessDefinition<InputOf<S>, R> {
  const where = spec.name ? `process '${spec.name}'` : 'process';
  if (spec.name !== undefined && !NAME.test(spec.name)) {
    throw new ConfigError(`${where}: name must be 1-128 letters, digits, '-' or '_', starting with a letter or digit`);
  }
  if (!Array.isArray(spec.logics) || spec.logics.length === 0) {
    throw new ConfigError(`${where}: needs at least one logic in 'logics'`);
  }
  if (!spec.aggregator || typeof spec.aggregator.run !== 'function') {
    throw new ConfigError(`${where}: needs an 'aggregator' with a run(ctx) function`);
  }
  const seen = new Set<string>();
  for (const step of [...spec.logics, spec.aggregator]) {
    if (!step || typeof step.name !== 'string' || step.name.length === 0) {
      throw new ConfigError(`${where}: every logic needs a non-empty 'name'`);
    }
    if (typeof step.run !== 'function') {
      throw new ConfigError(`${where}: logic '${step.name}' needs a run(ctx) function`);
    }
    if (step.handleError !== undefined && typeof step.handleError !== 'function') {
      throw new ConfigError(`${where}: logic '${step.name}' has a handleError that is not a function`);
    }
    if (seen.has(step.name)) throw new ConfigError(`${where}: two logics are named '${step.name}'`);
    seen.add(step.name);
  }
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    input: spec.input as z.ZodType<InputOf<S>> | undefined,
    logics: Object.freeze([...spec.logics]),
    aggregator: spec.aggregator,
  });
}
