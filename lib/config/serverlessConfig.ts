import * as z from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * The parts of a resolved `serverless.yml` that Sluice reads. Loose on
 * purpose: everything else belongs to the Serverless Framework and passes
 * through untouched.
 */
export interface ServerlessConfig {
  service: string;
  provider: ProviderConfig;
  custom?: Record<string, unknown>;
  functions: Record<string, FunctionConfig>;
  resources?: ResourcesConfig;
  [key: string]: unknown;
}

export interface ProviderConfig {
  name?: unknown;
  stage?: unknown;
  region?: unknown;
  runtime?: unknown;
  timeout?: unknown;
  environment?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface FunctionConfig {
  handler?: unknown;
  runtime?: unknown;
  timeout?: unknown;
  reservedConcurrency?: unknown;
  memorySize?: unknown;
  environment?: Record<string, unknown>;
  events?: unknown[];
  sluice?: unknown;
  [key: string]: unknown;
}

export interface ResourcesConfig {
  Resources?: Record<string, CloudFormationResource>;
  [key: string]: unknown;
}

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

const shapeSchema = z.looseObject({
  service: z.string().min(1),
  provider: z.looseObject({
    name: z.literal('aws'),
    environment: z.record(z.string(), z.unknown()).nullish(),
  }),
  custom: z.record(z.string(), z.unknown()).nullish(),
  functions: z
    .record(
      z.string().regex(/^[a-zA-Z0-9-_]+$/, 'function names may only contain letters, digits, - and _'),
      z.looseObject({
        environment: z.record(z.string(), z.unknown()).nullish(),
        events: z.array(z.unknown()).nullish(),
      }),
    )
    .nullish(),
  resources: z
    .looseObject({
      Resources: z.record(z.string(), z.looseObject({ Type: z.string() })).nullish(),
    })
    .nullish(),
});

/**
 * Checks the overall shape (service name, `provider.name: aws`, functions
 * and resources as maps) of a resolved configuration.
 *
 * @throws {ConfigError} listing what is wrong
 */
export function assertServerlessConfig(value: unknown, fileName: string): ServerlessConfig {
  const parsed = shapeSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`${fileName} is not a usable serverless.yml:\n${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const config = value as ServerlessConfig;
  if (config.functions === undefined || config.functions === null) config.functions = {};
  return config;
}

/** `timeout` of the function, else `provider.timeout`, else 6 (the Serverless default); 1..900. */
export function functionTimeout(config: ServerlessConfig, functionName: string): number {
  const raw = config.functions[functionName]?.timeout ?? config.provider.timeout ?? 6;
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 900) {
    throw new ConfigError(
      `functions.${functionName}.timeout: ${JSON.stringify(raw)} is invalid: Lambda timeouts are whole seconds from 1 to 900`,
    );
  }
  return value;
}
