import { writeTestCatalog } from '../../helpers/deploymentCatalog.js';
/** How the Lambda entry points build themselves from the environment the plugin sets. */
import { afterEach, describe, expect, it } from 'vitest';
import { SLUICE_ENV } from '../../../lib/aws/config/sluiceEnv.js';
import { platformDepsFromEnv } from '../../../lib/aws/lambda/platformHandler.js';
import { routerDepsFromEnv } from '../../../lib/aws/lambda/routerHandler.js';
import { createProcessHandler, processDepsFromEnv, TRACK_RUNNING_ENV, type ProcessHandlerDeps } from '../../../lib/aws/lambda/processHandler.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { defineProcess } from '../../../lib/index.js';

const common = {
  [SLUICE_ENV.service]: 'shop',
  [SLUICE_ENV.stage]: 'dev',
  [SLUICE_ENV.taskTable]: 'shop-dev-tasks',
  [SLUICE_ENV.retentionDays]: '30',
  [SLUICE_ENV.maxPayloadBytes]: '1048576',
};
const processEnv = {
  [SLUICE_ENV.functionKind]: 'process',
  ...common,
  [SLUICE_ENV.process]: 'orders',
  [SLUICE_ENV.timeoutSeconds]: '30',
  [SLUICE_ENV.maxReceiveCounts]: '{"shop-dev-orders":5}',
};
const platformEnv = {
  [SLUICE_ENV.functionKind]: 'platform',
  ...common,
  [SLUICE_ENV.queueUrlPrefix]: 'https://sqs.us-east-1.amazonaws.com/123456789012/',
  [SLUICE_ENV.catalog]: writeTestCatalog({ processes: [{ name: 'orders', taskQueue: 'shop-dev-orders', timeoutSeconds: 30, http: [], queues: [], schedules: [], subscriptions: [], environment: {}, connections: [], handler: { file: '/f.ts', export: 'handler', declared: 'f.handler' } }] }),
};

const built: ProcessHandlerDeps[] = [];
afterEach(() => {
  for (const deps of built.splice(0)) deps.dynamo.destroy();
});

describe('Lambda handler dependencies', () => {
  it('leaves the running write off unless SLUICE_TRACK_RUNNING is true', () => {
    const off = processDepsFromEnv(processEnv);
    const on = processDepsFromEnv({ ...processEnv, [TRACK_RUNNING_ENV]: 'true' });
    built.push(off, on);
    expect(off.trackRunning).toBe(false);
    expect(on.trackRunning).toBe(true);
    expect(off.config).toMatchObject({ kind: 'process', process: 'orders', timeoutSeconds: 30, maxReceiveCounts: { 'shop-dev-orders': 5 } });
  });

  it('makes stored stacks relative to LAMBDA_TASK_ROOT (default /var/task), where the service is unpacked', () => {
    const lambda = processDepsFromEnv(processEnv);
    const custom = processDepsFromEnv({ ...processEnv, LAMBDA_TASK_ROOT: '/opt/task' });
    built.push(lambda, custom);
    expect(lambda.serviceRoot).toBe('/var/task');
    expect(custom.serviceRoot).toBe('/opt/task');
  });

  it('refuses to run a process handler in the platform function, and the other way round', () => {
    expect(() => processDepsFromEnv(platformEnv)).toThrow(ConfigError);
    expect(() => platformDepsFromEnv(processEnv)).toThrow(ConfigError);
    expect(() => processDepsFromEnv({ ...processEnv, [SLUICE_ENV.taskTable]: undefined })).toThrow(SLUICE_ENV.taskTable);
  });

  it('sends SQS requests to the configured endpoint rather than the queue URL host', async () => {
    const deps = platformDepsFromEnv(platformEnv);
    expect(await deps.sqs.config.useQueueUrlAsEndpoint).toBe(false);
    deps.sqs.destroy();
    deps.dynamo.destroy();
  });

  it('builds the router from its environment: the trigger table, process function names (derived unless renamed), one Invoke attempt', async () => {
    // The router reads the catalog's trigger section (the plugin writes it with the service, stage, queues and authorizers).
    const catalog = writeTestCatalog({ processes: [{ name: 'orders', taskQueue: 'shop-dev-orders', timeoutSeconds: 30, http: [], queues: [], schedules: [], subscriptions: [], environment: {}, connections: [], handler: { file: '/f.ts', export: 'handler', declared: 'f.handler' } }], service: 'shop', stage: 'dev', queues: [], authorizers: [] });
    const routerEnv = { ...platformEnv, [SLUICE_ENV.functionKind]: 'router', [SLUICE_ENV.triggerTable]: 'shop-dev-triggers', [SLUICE_ENV.catalog]: catalog };
    const deps = routerDepsFromEnv(routerEnv);
    expect(deps.config).toMatchObject({ kind: 'router', triggerTable: 'shop-dev-triggers', functionNames: { orders: 'shop-dev-orders' } });
    expect(await deps.lambda.config.maxAttempts()).toBe(1);
    expect(await deps.sqs.config.useQueueUrlAsEndpoint).toBe(false);
    const renamed = routerDepsFromEnv({ ...routerEnv, [SLUICE_ENV.processFunctions]: '{"orders":"orders-worker"}' });
    expect(renamed.config.functionNames).toEqual({ orders: 'orders-worker' });
    for (const d of [deps, renamed]) {
      d.lambda.destroy();
      d.sqs.destroy();
      d.dynamo.destroy();
    }
    expect(() => routerDepsFromEnv({ ...routerEnv, [SLUICE_ENV.triggerTable]: undefined })).toThrow(SLUICE_ENV.triggerTable);
    expect(() => routerDepsFromEnv(platformEnv)).toThrow(/not the router of runtime routes/);
  });

  it('refuses a handler whose definition names another process than its function', () => {
    const deps = processDepsFromEnv(processEnv);
    built.push(deps);
    const other = defineProcess({ name: 'invoices', logics: [{ name: 'a', run: () => undefined }], aggregator: { name: 'b', run: () => 1 } });
    expect(() => createProcessHandler(other.definition, deps)).toThrow(/defines process 'invoices'/);
  });
});
