import { DEFAULT_BACKOFF } from '../../../lib/core/retry/RetryPolicy.js';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProcessCatalog } from '../../../lib/aws/config/processCatalog.js';
import { writeTestCatalog } from '../../helpers/deploymentCatalog.js';
import { readAwsConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { ConfigError } from '../../../lib/core/errors.js';

const processEnv = (): NodeJS.ProcessEnv => ({
  SLUICE_FUNCTION_KIND: 'process',
  SLUICE_SERVICE: 'shop',
  SLUICE_STAGE: 'dev',
  SLUICE_TASK_TABLE: 'shop-dev-tasks',
  SLUICE_RETENTION_DAYS: '30',
  SLUICE_MAX_PAYLOAD_BYTES: '1048576',
  SLUICE_PROCESS: 'orders',
  SLUICE_TIMEOUT_SECONDS: '30',
  SLUICE_MAX_RECEIVE_COUNTS: '{"shop-dev-orders":5}',
  SLUICE_TASK_QUEUE_NAME: 'shop-dev-orders',
  SLUICE_TASK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/shop-dev-orders',
  UNRELATED: 'ignored',
});

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    readAwsConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readAwsConfig', () => {
  it('reads a process function configuration, frozen', () => {
    const config = readAwsConfig(processEnv());
    expect(config).toEqual({
      kind: 'process',
      service: 'shop',
      stage: 'dev',
      taskTable: 'shop-dev-tasks',
      retentionDays: 30,
      maxPayloadBytes: 1048576,
      process: 'orders',
      timeoutSeconds: 30,
      maxReceiveCounts: { 'shop-dev-orders': 5 },
      backoff: DEFAULT_BACKOFF,
      taskQueue: { name: 'shop-dev-orders', url: 'https://sqs.us-east-1.amazonaws.com/1/shop-dev-orders' },
      connections: [],
      declaredConnections: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
    if (config.kind !== 'process') throw new Error('expected a process');
    expect(Object.isFrozen(config.maxReceiveCounts)).toBe(true);
    expect(Object.isFrozen(config.taskQueue)).toBe(true);
  });

  it('reads a process without task queue, and refuses half a task queue', () => {
    const env = processEnv();
    delete env.SLUICE_TASK_QUEUE_NAME;
    delete env.SLUICE_TASK_QUEUE_URL;
    expect(readAwsConfig(env)).not.toHaveProperty('taskQueue');

    const half = processEnv();
    delete half.SLUICE_TASK_QUEUE_URL;
    expect(errorOf(half)).toContain('SLUICE_TASK_QUEUE_URL is not set');
  });

  it('names the missing or invalid variable', () => {
    const missing = processEnv();
    delete missing.SLUICE_TASK_TABLE;
    expect(errorOf(missing)).toContain('environment variable SLUICE_TASK_TABLE is not set');
    expect(errorOf({ ...processEnv(), SLUICE_TIMEOUT_SECONDS: 'soon' })).toMatch(/SLUICE_TIMEOUT_SECONDS is invalid: is not a whole number/);
    expect(errorOf({ ...processEnv(), SLUICE_TIMEOUT_SECONDS: '901' })).toMatch(/SLUICE_TIMEOUT_SECONDS is invalid/);
    expect(errorOf({ ...processEnv(), SLUICE_MAX_RECEIVE_COUNTS: '{nope' })).toMatch(/SLUICE_MAX_RECEIVE_COUNTS is invalid: is not JSON/);
    expect(errorOf({ ...processEnv(), SLUICE_MAX_RECEIVE_COUNTS: '{"q":0}' })).toMatch(/SLUICE_MAX_RECEIVE_COUNTS is invalid/);
    expect(errorOf({ ...processEnv(), SLUICE_FUNCTION_KIND: 'worker' })).toMatch(/SLUICE_FUNCTION_KIND is invalid/);
    expect(errorOf({})).toContain('SLUICE_FUNCTION_KIND is not set');
  });

  it('reads the platform configuration and its process catalog', () => {
    const processes = [
      {
        name: 'orders',
        handler: { file: '/x.ts', export: 'handler', declared: 'x.handler' },
        timeoutSeconds: 30,
        taskQueue: 'shop-dev-orders',
        http: [{ method: 'POST' as const, path: '/orders/{id}' }],
        queues: [{ queue: 'shop-dev-orders', batchSize: 10, enabled: true, maximumBatchingWindow: 0 }],
        schedules: [{ rule: 'orders-schedule-1', expression: 'cron(0 2 * * ? *)', enabled: false, overlap: 'skip' as const, input: { big: true } }],
        subscriptions: [],
        environment: {},
        connections: [],
      },
      { name: 'hook', handler: { file: '/h.ts', export: 'handler', declared: 'h.handler' }, timeoutSeconds: 6, http: [], queues: [], schedules: [], subscriptions: [], environment: {}, connections: [] },
    ];
    const config = readAwsConfig({
      SLUICE_FUNCTION_KIND: 'platform',
      SLUICE_SERVICE: 'shop',
      SLUICE_STAGE: 'dev',
      SLUICE_TASK_TABLE: 'shop-dev-tasks',
      SLUICE_RETENTION_DAYS: '7',
      SLUICE_MAX_PAYLOAD_BYTES: '1000',
      SLUICE_QUEUE_URL_PREFIX: 'https://sqs.us-east-1.amazonaws.com/1/',
      SLUICE_CATALOG: writeTestCatalog({ processes }),
    });
    expect(config).toEqual({
      kind: 'platform',
      service: 'shop',
      stage: 'dev',
      taskTable: 'shop-dev-tasks',
      retentionDays: 7,
      maxPayloadBytes: 1000,
      queueUrlPrefix: 'https://sqs.us-east-1.amazonaws.com/1/',
      processes: [
        {
          name: 'orders',
          taskQueue: 'shop-dev-orders',
          timeoutSeconds: 30,
          http: [{ method: 'POST', path: '/orders/{id}' }],
          queues: [{ queue: 'shop-dev-orders', batchSize: 10, enabled: true, maximumBatchingWindow: 0 }],
          schedules: [{ rule: 'orders-schedule-1', expression: 'cron(0 2 * * ? *)', enabled: false }],
        },
        { name: 'hook', timeoutSeconds: 6, http: [], queues: [], schedules: [] },
      ],
    });
    expect(Object.isFrozen(config.kind === 'platform' ? config.processes[0]?.http : undefined)).toBe(true);
  });

  it('reads the events table and the chain depth of a process, and the subscribers of the event dispatcher', () => {
    const manifest = (name: string, subscriptions: Array<{ id: string; process: string; label: string; source?: string }>, taskQueue?: string) => ({
      name,
      handler: { file: '/x.ts', export: 'handler', declared: 'x.handler' },
      timeoutSeconds: 30,
      ...(taskQueue ? { taskQueue } : {}),
      http: [],
      queues: [],
      schedules: [],
      subscriptions,
      environment: {},
      connections: [],
    });
    const catalog = writeTestCatalog({
      processes: [manifest('orders', [], 'shop-dev-orders'), manifest('rollup', [{ id: 'rollup:orders.*::', process: 'rollup', label: 'orders.*' }], 'shop-dev-rollup')],
      settings: { events: { maxChainDepth: 3 } },
    });
    const worker = readAwsConfig({ ...processEnv(), SLUICE_EVENTS_TABLE: 'shop-dev-events', SLUICE_CATALOG: catalog });
    expect(worker.events).toEqual({ table: 'shop-dev-events', maxChainDepth: 3 });
    // Without the variable, no events table: saving events is refused rather than dropped (DynamoTaskStore).
    expect(readAwsConfig(processEnv()).events).toBeUndefined();

    const dispatcher = readAwsConfig({
      SLUICE_FUNCTION_KIND: 'eventDispatcher',
      SLUICE_SERVICE: 'shop',
      SLUICE_STAGE: 'dev',
      SLUICE_TASK_TABLE: 'shop-dev-tasks',
      SLUICE_RETENTION_DAYS: '7',
      SLUICE_MAX_PAYLOAD_BYTES: '1000',
      SLUICE_QUEUE_URL_PREFIX: 'https://sqs.us-east-1.amazonaws.com/1/',
      SLUICE_CATALOG: catalog,
    });
    expect(dispatcher).toMatchObject({
      kind: 'eventDispatcher',
      maxChainDepth: 3,
      // The id is derived from the subscription again, not read.
      subscribers: [{ subscription: { id: 'rollup:orders.*::', process: 'rollup', label: 'orders.*' }, queue: 'shop-dev-rollup' }],
    });
  });

  it('refuses a malformed catalog', () => {
    const env = {
      SLUICE_FUNCTION_KIND: 'platform',
      SLUICE_SERVICE: 'shop',
      SLUICE_STAGE: 'dev',
      SLUICE_TASK_TABLE: 't',
      SLUICE_RETENTION_DAYS: '7',
      SLUICE_MAX_PAYLOAD_BYTES: '1000',
      SLUICE_QUEUE_URL_PREFIX: 'https://sqs.us-east-1.amazonaws.com/1/',
    };
    const file = (text: string) => {
      const path = join(mkdtempSync(join(tmpdir(), 'sluice-catalog-')), 'catalog.json');
      writeFileSync(path, text);
      return path;
    };
    expect(errorOf({ ...env, SLUICE_CATALOG: file('{"version":1,"processes":[{"name":"x"}],"connections":[],"grants":{}}') })).toMatch(/deployment catalog .* is not valid/);
    expect(errorOf({ ...env, SLUICE_CATALOG: file('not json') })).toMatch(/deployment catalog .* is not valid/);
    expect(errorOf({ ...env, SLUICE_CATALOG: '/nonexistent/catalog.json' })).toContain('cannot be read');
    expect(errorOf(env)).toContain('SLUICE_CATALOG is not set');
    expect(() => decodeProcessCatalog('[{"n":"x","t":5,"h":["get /x"]}]', { service: 's', stage: 'd' })).toThrow();
  });
});
