import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceManifest, type LoadServiceManifestOptions } from '../../../lib/config/loadServiceManifest.js';
import type { ProcessManifest, ServiceManifest } from '../../../lib/config/ServiceManifest.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { serviceYaml, TempServices } from './tempService.js';

const FIXTURE_DIR = join(import.meta.dirname, '../../fixtures/config/shop-etl');
const FIXTURE = join(FIXTURE_DIR, 'serverless.yml');
const temp = new TempServices();
afterAll(() => temp.removeAll());

function processNamed(manifest: ServiceManifest, name: string): ProcessManifest {
  const found = manifest.processes.find((process) => process.name === name);
  if (!found) throw new Error(`no process ${name}`);
  return found;
}

async function load(yaml: string, files?: Record<string, string> | string[], options: Partial<LoadServiceManifestOptions> = {}) {
  return loadServiceManifest({ configPath: temp.create(yaml, files), env: {}, ...options });
}

/** Loads and returns the ConfigError (fails the test when loading succeeds or throws something else). */
async function loadError(yaml: string, files?: Record<string, string> | string[], options: Partial<LoadServiceManifestOptions> = {}) {
  try {
    await load(yaml, files, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadServiceManifest: the shop-etl fixture', () => {
  it('reads the concise declaration into processes, triggers and queues', async () => {
    // Act
    const manifest = await loadServiceManifest({ configPath: FIXTURE, stage: 'prod', env: {} });

    // Assess
    expect(manifest).toMatchObject({ service: 'shop-etl', stage: 'prod', region: 'us-east-1', serviceDir: FIXTURE_DIR });
    expect(manifest.processes.map((process) => process.name)).toEqual(['orders-sync', 'clickstream', 'legacy-ingest', 'webhook']);
    expect(manifest.settings).toEqual({ retentionDays: 30, maxPayloadBytes: 1048576, defaultConcurrency: 64, maxReceiveCount: 5, kv: { maxTtlSeconds: 365 * 86_400 }, events: { maxChainDepth: 16 } });

    const ordersSync = processNamed(manifest, 'orders-sync');
    expect(ordersSync.handler).toEqual({
      file: join(FIXTURE_DIR, 'functions/ordersSync.ts'),
      export: 'handler',
      declared: 'functions/ordersSync.handler',
    });
    expect(ordersSync.timeoutSeconds).toBe(30);
    expect(ordersSync.taskQueue).toBe('shop-etl-prod-orders-sync');
    expect(ordersSync.http).toEqual([
      { method: 'POST', path: '/orders/sync' },
      { method: 'GET', path: '/orders/{id}' },
    ]);
    expect(ordersSync.queues).toEqual([{ queue: 'shop-etl-prod-orders-sync', batchSize: 10, maximumBatchingWindow: 0, enabled: true }]);
    expect(ordersSync.schedules).toEqual([
      { rule: 'orders-sync-schedule-1', expression: 'cron(0 2 * * ? *)', enabled: true, overlap: 'skip' },
      { rule: 'orders-sync-schedule-2', expression: 'rate(5 minutes)', enabled: false, overlap: 'skip' },
      { rule: 'orders-sync-schedule-3', expression: 'rate(1 hour)', enabled: false, overlap: 'skip' },
      { rule: 'nightly-full-sync', expression: 'rate(1 day)', enabled: true, overlap: 'skip', input: { full: true } },
    ]);

    const clickstream = processNamed(manifest, 'clickstream');
    expect(clickstream.reservedConcurrency).toBe(4);
    expect(clickstream.timeoutSeconds).toBe(6);
    expect(clickstream.queues).toEqual([{ queue: 'shop-etl-prod-clickstream', batchSize: 25, maximumBatchingWindow: 1, enabled: true }]);

    const legacyIngest = processNamed(manifest, 'legacy-ingest');
    expect(legacyIngest.queues.map((trigger) => [trigger.queue, trigger.batchSize])).toEqual([
      ['shop-etl-prod-ingest', 5],
      ['partner-feed', 10],
      ['shop-etl-prod-legacy-ingest', 10],
    ]);
    expect(legacyIngest.schedules).toEqual([
      { rule: 'legacy-ingest-schedule-1', expression: 'rate(10 minutes)', enabled: true, overlap: 'skip', input: { source: 'eventbridge' } },
    ]);

    const webhook = processNamed(manifest, 'webhook');
    expect(webhook.handler.file).toBe(join(FIXTURE_DIR, 'functions/webhook.mjs'));
    expect(webhook.handler.export).toBe('main');
    expect(webhook.taskQueue).toBeUndefined();
    expect(webhook.queues).toEqual([]);
    expect(webhook.http).toEqual([
      { method: 'ANY', path: '/' },
      { method: 'ANY', path: '/{proxy+}' },
    ]);
  });

  it('lists declared queues, task queues with their DLQs, and queues referenced by ARN only', async () => {
    const manifest = await loadServiceManifest({ configPath: FIXTURE, stage: 'prod', env: {} });
    const byName = new Map(manifest.queues.map((queue) => [queue.name, queue]));

    expect(byName.get('shop-etl-prod-ingest')).toEqual({
      name: 'shop-etl-prod-ingest',
      visibilityTimeoutSeconds: 60,
      messageRetentionSeconds: 345600,
      deadLetter: { queue: 'shop-etl-prod-ingest-dlq', maxReceiveCount: 5 },
    });
    expect(byName.get('shop-etl-prod-ingest-dlq')).toEqual({ name: 'shop-etl-prod-ingest-dlq', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 1209600 });
    // No QueueName: the logical id; no properties: SQS defaults.
    expect(byName.get('AuditQueue')).toEqual({ name: 'AuditQueue', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345600 });
    // Task queues: visibility 6 x the function timeout, DLQ after maxReceiveCount (per-function override for clickstream).
    expect(byName.get('shop-etl-prod-orders-sync')).toEqual({
      name: 'shop-etl-prod-orders-sync',
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 345600,
      deadLetter: { queue: 'shop-etl-prod-orders-sync-dlq', maxReceiveCount: 5 },
    });
    expect(byName.get('shop-etl-prod-orders-sync-dlq')).toEqual({ name: 'shop-etl-prod-orders-sync-dlq', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 1209600 });
    expect(byName.get('shop-etl-prod-clickstream')?.deadLetter).toEqual({ queue: 'shop-etl-prod-clickstream-dlq', maxReceiveCount: 3 });
    expect(byName.get('shop-etl-prod-clickstream')?.visibilityTimeoutSeconds).toBe(36);
    expect(byName.get('partner-feed')).toEqual({ name: 'partner-feed', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345600 });
    expect(byName.has('shop-etl-prod-webhook')).toBe(false);
    expect(manifest.queues).toHaveLength(10);
  });

  it('resolves variables: options, sls, aws, env with fallbacks, self, params, file, strToBool, intrinsics', async () => {
    const manifest = await loadServiceManifest({ configPath: FIXTURE, stage: 'prod', region: 'eu-west-1', env: { SHOP_DEBUG: '1' } });
    expect(processNamed(manifest, 'orders-sync').environment).toEqual({
      STAGE: 'prod',
      REGION: 'eu-west-1',
      LOG_LEVEL: 'info', // env unset -> self:custom.defaults.logLevel
      PAGE_SIZE: '100', // env unset -> numeric literal
      API_URL: 'https://api.shop.example.com', // file(./config/prod.yml):apiUrl
      INGEST_QUEUE: 'shop-etl-prod-ingest', // !GetAtt IngestQueue.QueueName
      STACK: 'shop-etl-prod-eu-west-1', // !Sub with pseudo parameters
      OWNER: 'prod-oncall', // param: from params.prod
      DEBUG: 'true', // strToBool(env)
    });
    expect(manifest.region).toBe('eu-west-1');
  });

  it('uses the stage default, env values and the fallback of a missing file', async () => {
    const manifest = await loadServiceManifest({ configPath: FIXTURE, env: { SHOP_LOG_LEVEL: 'debug', SHOP_PAGE_SIZE: '25' } });
    const environment = processNamed(manifest, 'orders-sync').environment;
    expect(manifest.stage).toBe('dev');
    expect(environment).toMatchObject({
      STAGE: 'dev',
      LOG_LEVEL: 'debug',
      PAGE_SIZE: '25',
      API_URL: 'https://fallback.example.com', // config/dev.yml does not exist
      OWNER: 'data-team', // params.default
      DEBUG: 'false',
    });
    expect(processNamed(manifest, 'orders-sync').taskQueue).toBe('shop-etl-dev-orders-sync');
  });
});

describe('loadServiceManifest: variables', () => {
  it('names the variable and its place when a source is missing and there is no fallback', async () => {
    const message = await loadError(serviceYaml(`  a:\n    handler: functions/a.handler\n    environment:\n      DB_URL: \${env:DB_URL}`));
    expect(message).toContain('functions.a.environment.DB_URL');
    expect(message).toContain('${env:DB_URL}');
    expect(message).toContain('DB_URL is not set');
  });

  it('uses the fallback of sources the embedded runtime cannot read, and fails clearly without one', async () => {
    const withFallbacks = await load(
      serviceYaml(
        `  a:\n    handler: functions/a.handler\n    environment:\n      A: \${ssm:/db/url, 'postgres://localhost'}\n      B: \${cf:other.Output, env:B_VALUE}\n      C: \${aws:accountId, "000"}\n      D: \${s3:bucket/key, self:custom.d}`,
        'custom:\n  d: from-self',
      ),
      undefined,
      { env: { B_VALUE: 'from-env' } },
    );
    expect(processNamed(withFallbacks, 'a').environment).toEqual({ A: 'postgres://localhost', B: 'from-env', C: '000', D: 'from-self' });

    const message = await loadError(serviceYaml(`  a:\n    handler: functions/a.handler\n    environment:\n      DB_URL: \${ssm:/db/url}`));
    expect(message).toContain('functions.a.environment.DB_URL');
    expect(message).toContain('${ssm:/db/url}');
    expect(message).toMatch(/needs AWS/);
  });

  it('fails on ${opt:stage} without the option, and on an unquoted literal fallback', async () => {
    const noOption = await loadError(
      'service: svc\nprovider:\n  name: aws\n  stage: ${opt:stage}\nfunctions:\n  a:\n    handler: functions/a.handler\n',
    );
    expect(noOption).toContain('provider.stage');
    expect(noOption).toContain('option --stage is not given');

    const unquoted = await loadError(serviceYaml(`  a:\n    handler: functions/a.handler\n    environment:\n      S: \${opt:stage, dev}`));
    expect(unquoted).toContain("quote strings");
  });

  it('resolves nested variables, escapes and leaves CloudFormation ${} alone', async () => {
    const manifest = await load(
      serviceYaml(
        `  a:\n    handler: functions/a.handler\n    environment:\n      URL: \${self:custom.urls.\${sls:stage}}\n      LITERAL: 'cost: \\\${price}'\n      TOGGLE: \${strToBool(\${env:TOGGLE, 'false'})}\n      NUMBER: \${self:custom.size}`,
        'custom:\n  size: 42\n  urls:\n    dev: http://dev.local\n    prod: http://prod.local\nresources:\n  Resources:\n    Q:\n      Type: AWS::SQS::Queue\n      Properties:\n        QueueName: !Sub "${AWS::StackName}-q"',
      ),
      undefined,
      { stage: 'prod', env: { TOGGLE: 'TRUE' } },
    );
    expect(processNamed(manifest, 'a').environment).toEqual({
      URL: 'http://prod.local',
      LITERAL: 'cost: ${price}',
      TOGGLE: 'true',
      NUMBER: '42',
    });
    expect(manifest.queues.map((queue) => queue.name)).toContain('svc-prod-q');
  });

  it('reports circular references', async () => {
    const message = await loadError(
      serviceYaml(`  a:\n    handler: functions/a.handler\n    environment:\n      X: \${self:custom.a}`, 'custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}'),
    );
    expect(message).toMatch(/circular/);
  });

  it('does not resolve parts the embedded runtime does not read', async () => {
    const manifest = await load(
      serviceYaml(
        '  a:\n    handler: functions/a.handler\n    layers:\n      - ${cf:layers.Arn}\n',
        'resources:\n  Resources:\n    Bucket:\n      Type: AWS::S3::Bucket\n      Properties:\n        BucketName: ${ssm:/bucket}\n  Outputs:\n    X:\n      Value: ${cf:other.x}',
      ),
    );
    expect(manifest.processes).toHaveLength(1);
  });
});

describe('loadServiceManifest: events', () => {
  const fn = (events: string) => serviceYaml(`  a:\n    handler: functions/a.handler\n    events:\n${events}`);

  it('accepts httpApi object forms and the * method', async () => {
    const manifest = await load(fn("      - httpApi: { method: '*', path: /things }\n      - httpApi: { method: patch, path: '/things/{id}' }\n      - httpApi: 'delete /things/{id}'"));
    expect(processNamed(manifest, 'a').http).toEqual([
      { method: 'ANY', path: '/things' },
      { method: 'PATCH', path: '/things/{id}' },
      { method: 'DELETE', path: '/things/{id}' },
    ]);
  });

  it('rejects an invalid method, a relative path and routes under /sluice', async () => {
    expect(await loadError(fn("      - httpApi: 'FETCH /things'"))).toMatch(/events\[0\]\.httpApi: 'FETCH' is not an HTTP method/);
    expect(await loadError(fn("      - httpApi: { method: get, path: things }"))).toMatch(/must start with '\/'/);
    expect(await loadError(fn("      - httpApi: 'GET /sluice/tasks'"))).toMatch(/reserved for the Sluice platform API/);
    expect(await loadError(fn("      - httpApi: 'GET /sluice'"))).toMatch(/reserved/);
    // Only the /sluice segment is reserved, not every path starting with those letters.
    expect(processNamed(await load(fn("      - httpApi: 'GET /sluicegate'")), 'a').http).toEqual([{ method: 'GET', path: '/sluicegate' }]);
  });

  it('rejects the same route in two functions', async () => {
    const message = await loadError(
      serviceYaml("  a:\n    handler: functions/a.handler\n    events:\n      - httpApi: 'GET /x'\n  b:\n    handler: functions/b.handler\n    events:\n      - httpApi: { method: get, path: /x }"),
      ['functions/a.ts', 'functions/b.ts'],
    );
    expect(message).toContain("functions.b: route 'GET /x' is also declared by functions.a");
  });

  it('rejects event types Sluice does not run, naming the function and the event', async () => {
    for (const [event, type] of [
      ["      - http: 'GET /x'", 'http'],
      ['      - s3: my-bucket', 's3'],
      ['      - sns: topic', 'sns'],
      ["      - eventBridge: { pattern: { source: ['x'] } }", 'eventBridge'],
    ] as const) {
      const message = await loadError(fn(event));
      expect(message).toContain('functions.a.events[0]');
      expect(message).toContain(type);
    }
  });

  it('ignores the events of functions marked sluice: false', async () => {
    const manifest = await load(
      serviceYaml("  a:\n    handler: functions/a.handler\n  legacy:\n    handler: legacy.main\n    runtime: python3.12\n    sluice: false\n    events:\n      - http: 'GET /x'\n      - s3: bucket"),
    );
    expect(manifest.processes.map((process) => process.name)).toEqual(['a']);
  });

  it('reads sqs events: literal ARNs, batch settings, and their limits', async () => {
    const queues = 'resources:\n  Resources:\n    Work:\n      Type: AWS::SQS::Queue\n      Properties: { QueueName: work, VisibilityTimeout: 60 }\n    Table:\n      Type: AWS::DynamoDB::Table';
    const manifest = await load(
      serviceYaml(
        '  a:\n    handler: functions/a.handler\n    sluice: { queue: false }\n    events:\n      - sqs: arn:aws:sqs:us-east-1:123456789012:work\n      - sqs: { arn: !GetAtt Work.Arn, batchSize: 100, maximumBatchingWindow: 5, enabled: false }',
        queues,
      ),
    );
    expect(processNamed(manifest, 'a').queues).toEqual([
      { queue: 'work', batchSize: 10, maximumBatchingWindow: 0, enabled: true },
      { queue: 'work', batchSize: 100, maximumBatchingWindow: 5, enabled: false },
    ]);

    const withQueues = (events: string) => serviceYaml(`  a:\n    handler: functions/a.handler\n    events:\n${events}`, queues);
    expect(await loadError(withQueues('      - sqs: { arn: !GetAtt Work.Arn, batchSize: 0 }'))).toMatch(/batchSize: 0 is not a whole number from 1 to 10000/);
    expect(await loadError(withQueues('      - sqs: { arn: !GetAtt Work.Arn, batchSize: 10001, maximumBatchingWindow: 1 }'))).toMatch(/batchSize/);
    expect(await loadError(withQueues('      - sqs: { arn: !GetAtt Work.Arn, batchSize: 20 }'))).toMatch(/needs maximumBatchingWindow of at least 1 second/);
    expect(await loadError(withQueues('      - sqs: { arn: !GetAtt Table.Arn }'))).toMatch(/does not designate a queue/);
    expect(await loadError(withQueues('      - sqs: { arn: !GetAtt Missing.Arn }'))).toMatch(/does not designate a queue/);
    expect(await loadError(withQueues('      - sqs: !GetAtt Work.Arn'))).toMatch(/write a CloudFormation ARN as \{ arn:/);
    expect(await loadError(withQueues("      - sqs: { arn: !GetAtt Work.Arn, filterPatterns: [{ body: { a: [1] } }] }"))).toMatch(/'filterPatterns' not supported on Sluice processes: the embedded runtime cannot apply it/);
    expect(await loadError(withQueues('      - sqs: { arn: !GetAtt Work.Arn, batchsize: 5 }'))).toMatch(/unknown key 'batchsize' \(did you mean 'batchSize'\?\)/);
  });

  it('rejects a queue whose visibility timeout is shorter than the consuming function timeout', async () => {
    const message = await loadError(
      serviceYaml(
        '  a:\n    handler: functions/a.handler\n    timeout: 120\n    events:\n      - sqs: { arn: !GetAtt Work.Arn }',
        'resources:\n  Resources:\n    Work:\n      Type: AWS::SQS::Queue\n      Properties: { QueueName: work, VisibilityTimeout: 60 }',
      ),
    );
    expect(message).toMatch(/queue 'work' has a visibility timeout of 60s, shorter than the function timeout \(120s\)/);
  });

  it('reads schedules: strings, rate lists, names, inputs; and rejects what cannot run the same on both runtimes', async () => {
    const manifest = await load(
      fn(
        "      - schedule: rate(1 hour)\n      - schedule: { rate: cron(0 1 * * ? *), input: '{\"a\":1}' }\n      - schedule: { rate: [rate(2 hours), rate(3 hours)], enabled: false }\n      - schedule: { rate: rate(1 day), name: daily, input: { body: '{\"b\":2}' } }",
      ),
    );
    expect(processNamed(manifest, 'a').schedules).toEqual([
      { rule: 'a-schedule-1', expression: 'rate(1 hour)', enabled: true, overlap: 'skip' },
      { rule: 'a-schedule-2', expression: 'cron(0 1 * * ? *)', enabled: true, overlap: 'skip', input: { a: 1 } },
      { rule: 'a-schedule-3', expression: 'rate(2 hours)', enabled: false, overlap: 'skip' },
      { rule: 'a-schedule-4', expression: 'rate(3 hours)', enabled: false, overlap: 'skip' },
      { rule: 'daily', expression: 'rate(1 day)', enabled: true, overlap: 'skip', input: { body: { b: 2 } } },
    ]);

    expect(await loadError(fn('      - schedule: { rate: [rate(1 hour), rate(2 hours)], name: two }'))).toMatch(/name cannot be set with more than one rate/);
    expect(await loadError(fn("      - schedule: { rate: rate(1 hour), input: 'not json' }"))).toMatch(/input: a string input must be JSON text/);
    expect(await loadError(fn('      - schedule: { rate: rate(1 hour), timezone: Mars/Olympus }'))).toMatch(/timezone: "Mars\/Olympus" is not an IANA time zone/);
    expect(await loadError(fn('      - schedule: { rate: rate(1 hour), method: scheduler }'))).toMatch(/'method' not supported/);
    expect(await loadError(fn('      - schedule: { enabled: true }'))).toMatch(/rate: expected/);
  });
});

describe('loadServiceManifest: queues', () => {
  const withResources = (resources: string) =>
    serviceYaml('  a:\n    handler: functions/a.handler', `resources:\n  Resources:\n${resources}`);

  it('rejects FIFO queues clearly', async () => {
    const message = await loadError(withResources('    Orders:\n      Type: AWS::SQS::Queue\n      Properties: { QueueName: orders.fifo, FifoQueue: true }'));
    expect(message).toContain('resources.Resources.Orders: FIFO queues are not supported yet');
  });

  it('reads a RedrivePolicy given as JSON text or with a literal DLQ ARN', async () => {
    const manifest = await load(
      withResources(
        '    A:\n      Type: AWS::SQS::Queue\n      Properties:\n        RedrivePolicy: \'{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:a-dlq","maxReceiveCount":"7"}\'\n    ADlq:\n      Type: AWS::SQS::Queue\n      Properties: { QueueName: a-dlq }',
      ),
    );
    expect(manifest.queues.find((queue) => queue.name === 'A')?.deadLetter).toEqual({ queue: 'a-dlq', maxReceiveCount: 7 });
  });

  it('rejects duplicate queue names, out-of-range properties and values that need AWS', async () => {
    expect(await loadError(withResources('    A:\n      Type: AWS::SQS::Queue\n      Properties: { QueueName: same }\n    B:\n      Type: AWS::SQS::Queue\n      Properties: { QueueName: same }'))).toMatch(
      /queue name 'same' is also used by resources.Resources.A/,
    );
    expect(await loadError(withResources('    A:\n      Type: AWS::SQS::Queue\n      Properties: { VisibilityTimeout: 50000 }'))).toMatch(/VisibilityTimeout: 50000 is out of range/);
    expect(await loadError(withResources('    A:\n      Type: AWS::SQS::Queue\n      Properties: { VisibilityTimeout: !Ref Param }'))).toMatch(/CloudFormation functions cannot be resolved/);
    expect(await loadError(withResources('    A:\n      Type: AWS::SQS::Queue\n      Properties: { RedrivePolicy: { deadLetterTargetArn: !GetAtt A.Arn } }'))).toMatch(/maxReceiveCount is required/);
  });

  it('rejects a user resource that takes the logical id of a task queue', async () => {
    expect(await loadError(withResources('    SluiceATaskQueue:\n      Type: AWS::SQS::Queue'))).toMatch(/reserved for the task queues of functions.a/);
  });
});

describe('loadServiceManifest: settings and functions', () => {
  it('rejects unknown custom.sluice keys (typos) and out-of-range values', async () => {
    const typo = await loadError(serviceYaml('  a:\n    handler: functions/a.handler', 'custom:\n  sluice:\n    maxRecieveCount: 3'));
    expect(typo).toContain("custom.sluice: unknown key 'maxRecieveCount' (did you mean 'maxReceiveCount'?)");
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler', 'custom:\n  sluice:\n    maxReceiveCount: 0'))).toContain('custom.sluice is invalid');
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler', 'custom:\n  sluice:\n    maxPayloadBytes: 2000000'))).toContain('maxPayloadBytes');
  });

  it('applies settings (numeric strings from variables included) and per-function queue settings', async () => {
    const manifest = await load(
      serviceYaml(
        '  a:\n    handler: functions/a.handler\n    sluice: { queue: { maxReceiveCount: 9 } }\n  b:\n    handler: functions/b.handler\n    sluice: true',
        "custom:\n  sluice:\n    retentionDays: ${env:RETENTION, '7'}\n    maxReceiveCount: 6\n    defaultConcurrency: 8",
      ),
      ['functions/a.ts', 'functions/b.ts'],
    );
    expect(manifest.settings).toEqual({ retentionDays: 7, maxPayloadBytes: 1048576, defaultConcurrency: 8, maxReceiveCount: 6, kv: { maxTtlSeconds: 365 * 86_400 }, events: { maxChainDepth: 16 } });
    const deadLetters = Object.fromEntries(manifest.queues.map((queue) => [queue.name, queue.deadLetter?.maxReceiveCount]));
    expect(deadLetters['svc-dev-a']).toBe(9);
    expect(deadLetters['svc-dev-b']).toBe(6);
  });

  it('rejects typos in a function sluice property', async () => {
    const message = await loadError(serviceYaml('  a:\n    handler: functions/a.handler\n    sluice: { queu: false }'));
    expect(message).toContain("functions.a.sluice: unknown key 'queu' (did you mean 'queue'?)");
  });

  it('resolves handler modules in the order .ts, .mts, .js, .mjs and names what it tried', async () => {
    const both = await load(serviceYaml('  a:\n    handler: src/a.run'), ['src/a.js', 'src/a.ts']);
    expect(processNamed(both, 'a').handler.file.endsWith('src/a.ts')).toBe(true);
    const mts = await load(serviceYaml('  a:\n    handler: src/a.run'), ['src/a.mjs', 'src/a.mts']);
    expect(processNamed(mts, 'a').handler.file.endsWith('src/a.mts')).toBe(true);

    const missing = await loadError(serviceYaml('  a:\n    handler: functions/missing.handler'));
    expect(missing).toContain('functions.a.handler');
    expect(missing).toContain('functions/missing.ts, functions/missing.mts, functions/missing.js, functions/missing.mjs');
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a'))).toMatch(/is not '<module path>.<export name>'/);
  });

  it('rejects non-Node runtimes, invalid timeouts, reserved names', async () => {
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler\n    runtime: python3.12'))).toMatch(/is not Node.js/);
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler\n    timeout: 901'))).toMatch(/functions.a.timeout: 901 is invalid/);
    expect(await loadError(serviceYaml('  sluice-api:\n    handler: functions/a.handler'))).toMatch(/reserved for the Sluice platform API/);
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler\n    environment:\n      SLUICE_PROCESS: x'))).toMatch(/reserved for Sluice/);
  });

  it('uses provider.timeout, and sizes task queues from it', async () => {
    const manifest = await load(serviceYaml('  a:\n    handler: functions/a.handler').replace('provider:\n', 'provider:\n  timeout: 20\n'));
    expect(processNamed(manifest, 'a').timeoutSeconds).toBe(20);
    expect(manifest.queues.find((queue) => queue.name === 'svc-dev-a')?.visibilityTimeoutSeconds).toBe(120);
  });

  it('rejects environment values that need AWS', async () => {
    const message = await loadError(
      serviceYaml('  a:\n    handler: functions/a.handler\n    environment:\n      TABLE: !Ref OrdersTable', 'resources:\n  Resources:\n    OrdersTable:\n      Type: AWS::DynamoDB::Table'),
    );
    expect(message).toContain('functions.a.environment.TABLE');
    expect(message).toContain('needs AWS');
  });

  it('reports a missing file and invalid YAML as ConfigError', async () => {
    await expect(loadServiceManifest({ configPath: '/nonexistent/serverless.yml' })).rejects.toBeInstanceOf(ConfigError);
    expect(await loadError('service: [unclosed')).toMatch(/not valid YAML/);
    expect(await loadError('service: svc\nprovider:\n  name: google\nfunctions: {}')).toMatch(/provider.name/);
  });
});
