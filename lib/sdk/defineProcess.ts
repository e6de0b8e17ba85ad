import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { buildProcessDefinition } from '../core/process/defineProcess.js';
import type { InputOf, ProcessDefinition, ProcessSpec } from '../core/process/types.js';

/** Where the runtime finds the definition on an exported handler. */
export const PROCESS_DEFINITION: unique symbol = Symbol.for('sluice.process.definition') as never;

/** The Lambda handler of a process; also carries its definition for the embedded runtime. */
export interface ProcessHandler<I = unknown, R = unknown> {
  (event: unknown, context: Context): Promise<unknown>;
  readonly [PROCESS_DEFINITION]: ProcessDefinition<I, R>;
}

export interface SluiceProcess<I = unknown, R = unknown> {
  readonly definition: ProcessDefinition<I, R>;
  /** Export it as `handler` and point `serverless.yml` at it. */
  readonly handler: ProcessHandler<I, R>;
}

/**
 * Declares a data process: ordered logics and a final aggregator, with an
 * optional zod schema for its input.
 *
 * @example
 * ```ts
 * const orders = defineProcess({
 *   name: 'orders-sync',
 *   input: z.object({ since: z.string() }),
 *   logics: [extract, transform, load],
 *   aggregator: summarize,
 * });
 * export const handler = orders.handler;
 * ```
 * @throws {ConfigError} when the declaration is unusable
 */
export function defineProcess<S extends z.ZodType | undefined = undefined, R = unknown>(spec: ProcessSpec<S, R>): SluiceProcess<InputOf<S>, R> {
  const definition = buildProcessDefinition(spec);
  // The AWS adapter (and the AWS SDK behind it) loads on the first Lambda
  // event only, so the embedded runtime never pays for it.
  let adapter: Promise<typeof import('../aws/lambda/processHandler.js')> | undefined;
  const handler = async (event: unknown, context: Context) => {
    adapter ??= import('../aws/lambda/processHandler.js');
    return (await adapter).handleProcessEvent(definition as ProcessDefinition, event, context);
  };
  Object.defineProperty(handler, PROCESS_DEFINITION, { value: definition, enumerable: false });
  return Object.freeze({ definition, handler: handler as unknown as ProcessHandler<InputOf<S>, R> });
}

/** The process definition behind an exported handler, if it is one. */
export function processDefinitionOf(value: unknown): ProcessDefinition | undefined {
  if (typeof value !== 'function') return undefined;
  return (value as Partial<ProcessHandler>)[PROCESS_DEFINITION] as ProcessDefinition | undefined;
}
