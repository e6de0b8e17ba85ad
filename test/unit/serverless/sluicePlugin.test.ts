import { DEFAULT_BACKOFF } from '../../../lib/core/retry/RetryPolicy.js';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAwsConfig } from '../../../lib/aws/config/readAwsConfig.js';
import { taskTableProperties } from '../../../lib/aws/taskTable.js';
import { eventTableProperties } from '../../../lib/aws/eventTable.js';
import { DEV_JWT_KEY_FILE } from '../../../lib/embedded/runtime/resolveDevJwtKey.js';

/**
 * Packages test/fixtures/serverless/shop-etl with the real framework (osls,
 * installed as `serverless`) and serverless-esbuild, offline, and checks the
 * CloudFormation the Sluice plugin leads to.
 */

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../../..');
const SLS = join(REPO, 'node_modules/.bin/sls');
const FIXTURE = join(REPO, 'test/fixtures/serverless/shop-etl');

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };
let resources: Record<string, Resource>;
let packageOutput: string;
let failedRun: { code: number; output: string };
let typoRun: { code: number; output: string };
let routeRun: { code: number; output: string };
let providerRun: { code: number; output: string };
let secretsRun: { code: number; output: string };
let plainRun: { code: number; output: string };
let secretsService: string;
const CRM_TOKEN_VALUE = 'crm-token-value-5d1f0b';
const scratch = mkdtempSync(join(tmpdir(), 'sluice-plugin-'));
// Dummy credentials: packaging never calls AWS. TMPDIR: serverless-esbuild leaves
// its zip staging directories there; keep them in the scratch directory.
const AWS_ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1', TMPDIR: join(scratch, 'tmp') };

beforeAll(async () => {
  const packageDir = join(scratch, 'package');
  // A service the plugin must refuse; without serverless-esbuild it needs no node_modules.
  const badService = join(scratch, 'bad');
  mkdirSync(join(scratch, 'tmp'));
  mkdirSync(badService);
  writeFileSync(join(badService, 'sluice.cjs'), `module.exports = require(${JSON.stringify(join(REPO, 'lib/serverless/sluicePlugin.cjs'))});\n`);
  writeFileSync(join(badService, 'a.js'), 'exports.handler = async () => {};\n');
  writeFileSync(
    join(badService, 'serverless.yml'),
    "service: bad\nprovider: { name: aws, runtime: nodejs22.x }\nplugins: [./sluice.cjs]\nfunctions:\n  a:\n    handler: a.handler\n    events:\n      - httpApi: 'GET /sluice/mine'\n",
  );

  // A misspelled function key (`timout`), and a Lambda-only key that must stay accepted (`memorySize`).
  // The framework's own validation would refuse `timout` first (without a suggestion); with it off, the plugin must.
  const typoService = join(scratch, 'typo');
  mkdirSync(typoService);
  writeFileSync(join(typoService, 'sluice.cjs'), `module.exports = require(${JSON.stringify(join(REPO, 'lib/serverless/sluicePlugin.cjs'))});\n`);
  writeFileSync(join(typoService, 'a.js'), 'exports.handler = async () => {};\n');
  writeFileSync(
    join(typoService, 'serverless.yml'),
    "service: typo\nconfigValidationMode: off\nprovider: { name: aws, runtime: nodejs22.x }\nplugins: [./sluice.cjs]\nfunctions:\n  a:\n    handler: a.handler\n    memorySize: 256\n    timout: 3\n",
  );
  // A route API Gateway would refuse at deploy, and a misspelled provider key: refused at package time as at start-up.
  const writeService = (name: string, yaml: string): string => {
    const dir = join(scratch, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'sluice.cjs'), `module.exports = require(${JSON.stringify(join(REPO, 'lib/serverless/sluicePlugin.cjs'))});\n`);
    writeFileSync(join(dir, 'a.js'), 'exports.handler = async () => {};\n');
    writeFileSync(join(dir, 'serverless.yml'), yaml);
    return dir;
  };
  const routeService = writeService(
    'route',
    "service: route\nprovider: { name: aws, runtime: nodejs22.x }\nplugins: [./sluice.cjs]\nfunctions:\n  a:\n    handler: a.handler\n    events:\n      - httpApi: 'GET /a/{p+}/b'\n",
  );
  const providerService = writeService(
    'provider',
    'service: provider\nconfigValidationMode: off\nprovider: { name: aws, runtime: nodejs22.x, enviroment: { A: b } }\nplugins: [./sluice.cjs]\nfunctions:\n  a:\n    handler: a.handler\n',
  );
  // Connections: one with its token by reference (the variable is set while packaging: its value must go nowhere),
  // one with the token written through ${env:...} (plain text once the framework resolves it: refused).
  const connectionsYaml = (token: string) =>
    `service: secrets\nprovider: { name: aws, runtime: nodejs22.x }\nplugins: [./sluice.cjs]\ncustom:\n  sluice:\n    connections:\n      crm:\n        type: http\n        baseUrl: https://crm.example.com\n        auth: { type: bearer, token: ${token} }\nfunctions:\n  a:\n    handler: a.handler\n    sluice: { connections: [crm] }\n`;
  secretsService = writeService('secrets', connectionsYaml('{ env: CRM_TOKEN, ssm: /secrets/crm-token }'));
  // What `npm start` leaves in the service's data directory; this service is zipped by the framework's own packager (no esbuild).
  mkdirSync(join(secretsService, '.sluice'), { mode: 0o700 });
  for (const file of [DEV_JWT_KEY_FILE, 'api-token', 'sluice.db']) writeFileSync(join(secretsService, '.sluice', file), 'local only\n', { mode: 0o600 });
  const plainService = writeService('plain', connectionsYaml("'${env:CRM_TOKEN}'"));
  const SECRET_ENV = { ...AWS_ENV, CRM_TOKEN: CRM_TOKEN_VALUE };
  const outcome = (promise: Promise<{ stdout: string; stderr: string }>) =>
    promise.then(
      (result) => ({ code: 0, output: result.stdout + result.stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );
  const [good, bad, typo, route, provider, secrets, plain] = await Promise.all([
    run(SLS, ['package', '--package', packageDir], { cwd: FIXTURE, env: AWS_ENV }),
    outcome(run(SLS, ['package', '--package', join(scratch, 'bad-package')], { cwd: badService, env: AWS_ENV })),
    outcome(run(SLS, ['package', '--package', join(scratch, 'typo-package')], { cwd: typoService, env: AWS_ENV })),
    outcome(run(SLS, ['package', '--package', join(scratch, 'route-package')], { cwd: routeService, env: AWS_ENV })),
    outcome(run(SLS, ['package', '--package', join(scratch, 'provider-package')], { cwd: providerService, env: AWS_ENV })),
    outcome(run(SLS, ['package', '--package', join(scratch, 'secrets-package')], { cwd: secretsService, env: SECRET_ENV })),
    outcome(run(SLS, ['package', '--package', join(scratch, 'plain-package')], { cwd: plainService, env: SECRET_ENV })),
  ]);
  secretsRun = secrets;
  plainRun = plain;
  typoRun = typo;
  routeRun = route;
  providerRun = provider;
  packageOutput = good.stdout + good.stderr;
  failedRun = bad;
  resources = JSON.parse(readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function resource(logicalId: string): Resource {
  const found = resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}; have ${Object.keys(resources).join(', ')}`);
  return found;
}

function ofType(type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, candidate]) => candidate.Type === type);
}

function statementsOf(roleId: string): Array<{ Action: string[]; Resource: unknown }> {
  return resource(roleId).Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
}

function roleOf(functionId: string): string {
  return resource(functionId).Properties.Role['Fn::GetAtt'][0];
}

const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
/** The declared queues a runtime queue trigger may name (no task queue, no task DLQ), as the process roles get them. */
const SUBSCRIBABLE_QUEUE_ARNS = ['shop-etl-dev-ingest', 'shop-etl-dev-ingest-dlq'].map((queue) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${queue}` }));
const PROCESS_FUNCTION_ARNS = ['OrdersDashsyncLambdaFunction', 'ClickstreamLambdaFunction', 'LegacyDashingestLambdaFunction', 'WebhookLambdaFunction'].map(getAtt);
/** The platform function's rights for /sluice/triggers: the registry, its own schedule group, the runtime scheduler role (to Scheduler only), the process functions' mappings. */
const RUNTIME_TRIGGER_STATEMENTS = [
  // UpdateItem: every registry write bumps the generation item in its transaction (IAM authorises each item's action).
  { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], Resource: [getAtt('SluiceTriggerTable')] },
  { Effect: 'Allow', Action: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/sluice-shop-etl-dev/*' }] },
  { Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: '*' },
  { Effect: 'Allow', Action: ['iam:PassRole'], Resource: [getAtt('SluiceRuntimeSchedulerRole')], Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
  { Effect: 'Allow', Action: ['lambda:CreateEventSourceMapping'], Resource: '*', Condition: { ArnLike: { 'lambda:FunctionArn': PROCESS_FUNCTION_ARNS } } },
  {
    Effect: 'Allow',
    Action: ['lambda:UpdateEventSourceMapping', 'lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping'],
    Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:event-source-mapping:*' }],
    Condition: { ArnLike: { 'lambda:FunctionArn': PROCESS_FUNCTION_ARNS } },
  },
  { Effect: 'Allow', Action: ['lambda:ListEventSourceMappings'], Resource: '*' },
];
const logGroup = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*`,
});

describe('sluicePlugin with serverless package', () => {
  it('adds a task queue and a dead-letter queue per process', () => {
    const queues = Object.fromEntries(ofType('AWS::SQS::Queue').map(([id, queue]) => [queue.Properties.QueueName, { id, ...queue.Properties }]));
    expect(Object.keys(queues).sort()).toEqual(
      [
        'shop-etl-dev-clickstream',
        'shop-etl-dev-clickstream-dlq',
        'shop-etl-dev-ingest',
        'shop-etl-dev-ingest-dlq',
        'shop-etl-dev-legacy-ingest',
        'shop-etl-dev-legacy-ingest-dlq',
        'shop-etl-dev-orders-sync',
        'shop-etl-dev-orders-sync-dlq',
        // The event dispatcher's on-failure destination (a process subscribes to data events).
        'shop-etl-dev-sluice-events-failures',
        // Where Lambda puts the schedule firings it gave up on (custom.sluice.alarms).
        'shop-etl-dev-async-failures',
      ].sort(),
    );
    expect(resource('SluiceOrdersDashsyncTaskQueue').Properties).toEqual({
      QueueName: 'shop-etl-dev-orders-sync',
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 345600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: getAtt('SluiceOrdersDashsyncTaskDlq'), maxReceiveCount: 5 },
    });
    expect(resource('SluiceOrdersDashsyncTaskDlq').Properties).toEqual({
      QueueName: 'shop-etl-dev-orders-sync-dlq',
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
    expect(resource('SluiceClickstreamTaskQueue').Properties).toMatchObject({
      VisibilityTimeout: 36,
      RedrivePolicy: { deadLetterTargetArn: getAtt('SluiceClickstreamTaskDlq'), maxReceiveCount: 3 },
    });
  });

  it('maps every sqs event with ReportBatchItemFailures, the user\'s own included', () => {
    const mappings = Object.fromEntries(
      ofType('AWS::Lambda::EventSourceMapping').map(([, mapping]) => [mapping.Properties.EventSourceArn['Fn::GetAtt'][0], mapping.Properties]),
    );
    expect(Object.keys(mappings).sort()).toEqual(
      // SluiceEventsTable: its stream, to the event dispatcher.
      ['IngestQueue', 'SluiceClickstreamTaskQueue', 'SluiceLegacyDashingestTaskQueue', 'SluiceOrdersDashsyncTaskQueue', 'SluiceEventsTable'].sort(),
    );
    for (const mapping of Object.values(mappings) as Array<{ FunctionResponseTypes: unknown }>) expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings.IngestQueue).toMatchObject({ BatchSize: 5, FunctionName: getAtt('LegacyDashingestLambdaFunction') });
    expect(mappings.SluiceClickstreamTaskQueue).toMatchObject({ BatchSize: 25, MaximumBatchingWindowInSeconds: 1 });
    expect(mappings.SluiceOrdersDashsyncTaskQueue).toMatchObject({ BatchSize: 10, FunctionName: getAtt('OrdersDashsyncLambdaFunction') });
  });

  it('warns when a user queue has a visibility timeout under 6 x the function timeout', () => {
    expect(packageOutput).toContain("Sluice: queue 'shop-etl-dev-ingest' has a visibility timeout of 20s");
  });

  it('warns when a task queue sends to its DLQ after fewer than 5 receives', () => {
    expect(packageOutput).toContain('Sluice: functions.clickstream: maxReceiveCount 3 is below 5');
  });

  it('adds the task table from taskTableProperties, retained and protected from deletion', () => {
    expect(resource('SluiceTaskTable')).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: { TableName: 'shop-etl-dev-tasks', ...taskTableProperties(), DeletionProtectionEnabled: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('adds the platform function behind IAM-authenticated routes (health excepted)', () => {
    expect(resource('SluiceDashapiLambdaFunction').Properties).toMatchObject({
      FunctionName: 'shop-etl-dev-sluice-api',
      Handler: 'platform/handler.handler',
      Timeout: 10,
    });
    const routes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route')
        .filter(([, route]) => route.Properties.RouteKey.includes('/sluice'))
        .map(([, route]) => [route.Properties.RouteKey, route.Properties]),
    );
    expect(Object.keys(routes).sort()).toEqual(
      [
        'GET /sluice/health',
        'GET /sluice/processes',
        'GET /sluice/tasks',
        'GET /sluice/tasks/counts',
        'POST /sluice/tasks/replay',
        'GET /sluice/tasks/{taskId}',
        'POST /sluice/tasks/{taskId}/cancel',
        'POST /sluice/tasks/{taskId}/replay',
        'POST /sluice/tasks',
        'GET /sluice/kv',
        'GET /sluice/kv/{key+}',
        'PUT /sluice/kv/{key+}',
        'DELETE /sluice/kv/{key+}',
        'GET /sluice/events',
        'GET /sluice/events/{eventId}',
        'GET /sluice/lineage',
        'GET /sluice/openlineage/events',
        'GET /sluice/triggers',
        'POST /sluice/triggers',
        'GET /sluice/triggers/{id}',
        'PATCH /sluice/triggers/{id}',
        'DELETE /sluice/triggers/{id}',
        'GET /sluice/triggers/{id}/history',
        'POST /sluice/triggers/{id}/fire',
      ].sort(),
    );
    for (const [key, route] of Object.entries(routes) as Array<[string, { Target: { 'Fn::Join': [string, unknown[]] }; AuthorizationType?: string }]>) {
      expect(route.Target['Fn::Join'][1][1]).toEqual({ Ref: 'HttpApiIntegrationSluiceDashapi' });
      expect(route.AuthorizationType, key).toBe(key === 'GET /sluice/health' ? undefined : 'AWS_IAM');
    }
    // The stage is throttled (custom.sluice.throttle's defaults): the framework alone leaves it at the account's limit.
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    const processRoutes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
    expect(processRoutes).toEqual(expect.arrayContaining(['POST /orders/sync', 'POST /webhooks/{source}']));
  });

  it('adds the router of runtime routes on the catch-all route ANY /{proxy+}, its role scoped to the trigger table, the process functions and the task queues', () => {
    expect(resource('SluiceDashroutesLambdaFunction').Properties).toMatchObject({
      FunctionName: 'shop-etl-dev-sluice-routes',
      Handler: 'platform/router.handler',
      Timeout: 29,
      Role: getAtt('SluiceSluiceDashroutesRole'),
    });
    // One catch-all route, no authorizer, to the router; every other route keeps its own function.
    const catchAll = ofType('AWS::ApiGatewayV2::Route').filter(([, route]) => route.Properties.RouteKey.includes('{proxy+}'));
    expect(catchAll.map(([, route]) => route.Properties.RouteKey)).toEqual(['ANY /{proxy+}']);
    const [, route] = catchAll[0]!;
    expect(route.Properties.AuthorizationType).toBeUndefined();
    expect(route.Properties.Target['Fn::Join'][1][1]).toEqual({ Ref: 'HttpApiIntegrationSluiceDashroutes' });
    expect(resource('HttpApiIntegrationSluiceDashroutes').Properties.IntegrationUri).toEqual(getAtt('SluiceDashroutesLambdaFunction'));
    expect(resource('HttpApiIntegrationSluiceDashroutes').Properties.PayloadFormatVersion).toBe('2.0');
    for (const [, other] of ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey !== 'ANY /{proxy+}')) {
      expect(other.Properties.Target['Fn::Join'][1][1], other.Properties.RouteKey).not.toEqual({ Ref: 'HttpApiIntegrationSluiceDashroutes' });
    }
    expect(resource('SluiceTriggerTable').Properties).toMatchObject({ TableName: 'shop-etl-dev-triggers', BillingMode: 'PAY_PER_REQUEST' });
    expect(statementsOf('SluiceSluiceDashroutesRole')).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroup('shop-etl-dev-sluice-routes')] },
      // The registry: its generation (GetItem) and, after a change, its list (Scan).
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Scan'], Resource: [getAtt('SluiceTriggerTable')] },
      // Sync routes: exactly the service's process functions (not report-mailer, which is no process).
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [getAtt('OrdersDashsyncLambdaFunction'), getAtt('ClickstreamLambdaFunction'), getAtt('LegacyDashingestLambdaFunction'), getAtt('WebhookLambdaFunction')],
      },
      // Async routes: a queued record and its message, as POST /sluice/tasks.
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [getAtt('SluiceTaskTable')] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('SluiceOrdersDashsyncTaskQueue'), getAtt('SluiceClickstreamTaskQueue'), getAtt('SluiceLegacyDashingestTaskQueue')] },
    ]);
    const variables = resource('SluiceDashroutesLambdaFunction').Properties.Environment.Variables as Record<string, unknown>;
    const router = readAwsConfig({ ...Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, materialize(value)])), LAMBDA_TASK_ROOT: FIXTURE });
    expect(router).toMatchObject({
      kind: 'router',
      triggerTable: 'shop-etl-dev-triggers',
      queueUrlPrefix: 'https://sqs.us-east-1.amazonaws.com/123456789012/',
      inputSchemas: '.sluice-build/input-schemas.json',
      functionNames: { 'orders-sync': 'shop-etl-dev-orders-sync', clickstream: 'shop-etl-dev-clickstream', 'legacy-ingest': 'shop-etl-dev-legacy-ingest', webhook: 'shop-etl-dev-webhook' },
    });
  });

  it('gives each Sluice function its own role with exactly what it needs', () => {
    expect(roleOf('OrdersDashsyncLambdaFunction')).toBe('SluiceOrdersDashsyncRole');
    expect(statementsOf('SluiceOrdersDashsyncRole')).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroup('shop-etl-dev-orders-sync')] },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [getAtt('SluiceTaskTable')] },
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        Resource: [getAtt('SluiceOrdersDashsyncTaskQueue')],
      },
      // ctx.kv
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], Resource: [getAtt('SluiceKvTable')] },
      // ctx.events: published with the final record (TransactWriteItems: PutItem per item), searched by index.
      { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [getAtt('SluiceEventsTable')] },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [getAtt('SluiceEventsTable'), { 'Fn::Join': ['', [getAtt('SluiceEventsTable'), '/index/*']] }] },
      // The trigger registry: a paused static schedule's firing is skipped.
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [getAtt('SluiceTriggerTable')] },
      // Runtime queue triggers may name a declared queue that is no task queue (nor its DLQ): Lambda's poller consumes with this role.
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], Resource: SUBSCRIBABLE_QUEUE_ARNS },
      // Its schedule's on-failure destination: Lambda sends there with the function's role.
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('SluiceAsyncFailureQueue')] },
      // provider.iam.role.statements: the user's own grants for their process code.
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::shop-exports/*' },
    ]);
    const legacySqs = statementsOf(roleOf('LegacyDashingestLambdaFunction')).find((statement) => statement.Action.includes('sqs:ReceiveMessage'));
    expect(legacySqs?.Resource).toEqual([getAtt('IngestQueue'), getAtt('SluiceLegacyDashingestTaskQueue')]);
    // A process without a task queue nor sqs events consumes only what a runtime queue trigger may name.
    expect(statementsOf(roleOf('WebhookLambdaFunction')).filter((statement) => statement.Action.some((action) => action.startsWith('sqs:'))).map((statement) => statement.Resource)).toEqual([SUBSCRIBABLE_QUEUE_ARNS]);

    expect(roleOf('SluiceDashapiLambdaFunction')).toBe('SluiceSluiceDashapiRole');
    expect(statementsOf('SluiceSluiceDashapiRole')).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroup('shop-etl-dev-sluice-api')] },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: [getAtt('SluiceTaskTable'), { 'Fn::Join': ['', [getAtt('SluiceTaskTable'), '/index/byProcess']] }],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [getAtt('SluiceOrdersDashsyncTaskQueue'), getAtt('SluiceClickstreamTaskQueue'), getAtt('SluiceLegacyDashingestTaskQueue')],
      },
      // /sluice/kv
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], Resource: [getAtt('SluiceKvTable')] },
      // published events, read only
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [getAtt('SluiceEventsTable'), { 'Fn::Join': ['', [getAtt('SluiceEventsTable'), '/index/*']] }] },
      ...RUNTIME_TRIGGER_STATEMENTS,
    ]);
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      if (id === 'SluiceRuntimeSchedulerRole') continue;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
      ]);
    }
  });

  it('grants no data-plane action on * and leaves plain functions on the shared role, without the Sluice queues', () => {
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      for (const statement of role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement)) {
        const dataPlane = [statement.Action].flat().some((action: string) => /^(dynamodb|sqs):/.test(action));
        if (dataPlane) expect([statement.Resource].flat(), id).not.toContain('*');
      }
    }
    expect(roleOf('ReportDashmailerLambdaFunction')).toBe('IamRoleLambdaExecution');
    const sharedActions = statementsOf('IamRoleLambdaExecution').flatMap((statement) => statement.Action);
    expect(sharedActions.filter((action) => action.startsWith('sqs:') || action.startsWith('dynamodb:'))).toEqual([]);
  });

  it('deploys the trigger registry: its table, a schedule group, a runtime scheduler role that may only invoke the process functions, the platform function told where they are', () => {
    expect(resource('SluiceTriggerTable').Properties).toMatchObject({ TableName: 'shop-etl-dev-triggers', BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    expect(resource('SluiceScheduleGroup')).toEqual({ Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'sluice-shop-etl-dev' } });
    const role = resource('SluiceRuntimeSchedulerRole').Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnEquals: { 'aws:SourceArn': getAtt('SluiceScheduleGroup') } },
      },
    ]);
    expect(role.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: PROCESS_FUNCTION_ARNS },
      // The deployment has an async-failures queue (orders-sync is scheduled): runtime schedules' dead-letter queue.
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('SluiceAsyncFailureQueue')] },
    ]);
    const platform = resource('SluiceDashapiLambdaFunction').Properties.Environment.Variables;
    expect(platform).toMatchObject({
      SLUICE_TRIGGER_TABLE: { Ref: 'SluiceTriggerTable' },
      SLUICE_SCHEDULE_GROUP: 'sluice-shop-etl-dev',
      SLUICE_SCHEDULER_ROLE_ARN: getAtt('SluiceRuntimeSchedulerRole'),
      SLUICE_AWS_ACCOUNT: { 'Fn::Sub': '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}' },
      SLUICE_SCHEDULE_DLQ_ARN: getAtt('SluiceAsyncFailureQueue'),
    });
    // Only the platform function may pass the role, and only to Scheduler.
    for (const [id, candidate] of ofType('AWS::IAM::Role')) {
      const passes = candidate.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement).filter((statement: any) => [statement.Action].flat().includes('iam:PassRole'));
      expect(passes.length, id).toBe(id === 'SluiceSluiceDashapiRole' ? 1 : 0);
    }
    // The deployed config reads back: /sluice/triggers is mounted with these targets.
    const env = Object.fromEntries(Object.entries(platform).map(([key, value]) => [key, materialize(value)]));
    const config = readAwsConfig({ ...env, LAMBDA_TASK_ROOT: FIXTURE });
    expect(config).toMatchObject({ kind: 'platform', triggers: { table: 'shop-etl-dev-triggers' }, runtimeTriggers: { scheduleGroup: 'sluice-shop-etl-dev', schedulerRoleArn: 'arn:aws:iam::123456789012:role/SluiceRuntimeSchedulerRole', partition: 'aws', region: 'us-east-1', account: '123456789012', deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:shop-etl-dev-async-failures' } });
  });

  it('sets the SLUICE_* environment that readAwsConfig reads back', () => {
    const variables = (functionId: string): Record<string, unknown> => resource(functionId).Properties.Environment.Variables;
    expect(variables('OrdersDashsyncLambdaFunction')).toEqual({
      LOG_LEVEL: 'info',
      SLUICE_FUNCTION_KIND: 'process',
      SLUICE_SERVICE: 'shop-etl',
      SLUICE_STAGE: 'dev',
      SLUICE_TASK_TABLE: { Ref: 'SluiceTaskTable' },
      SLUICE_RETENTION_DAYS: '30',
      SLUICE_MAX_PAYLOAD_BYTES: '1048576',
      SLUICE_CATALOG: '.sluice-build/sluice-catalog.json',
      SLUICE_KV_TABLE: { Ref: 'SluiceKvTable' },
      SLUICE_EVENTS_TABLE: { Ref: 'SluiceEventsTable' },
      SLUICE_KV_MAX_TTL_SECONDS: '31536000',
      SLUICE_TRIGGER_TABLE: { Ref: 'SluiceTriggerTable' },
      SLUICE_PROCESS: 'orders-sync',
      SLUICE_TIMEOUT_SECONDS: '30',
      // Its task queue, and the one queue a runtime trigger may subscribe it to that has a DLQ (ingest; ingest-dlq has none).
      SLUICE_MAX_RECEIVE_COUNTS: '{"shop-etl-dev-orders-sync":5,"shop-etl-dev-ingest":5}',
      SLUICE_TASK_QUEUE_NAME: 'shop-etl-dev-orders-sync',
      SLUICE_TASK_QUEUE_URL: { Ref: 'SluiceOrdersDashsyncTaskQueue' },
    });
    expect(JSON.parse(variables('LegacyDashingestLambdaFunction').SLUICE_MAX_RECEIVE_COUNTS as string)).toEqual({
      'shop-etl-dev-ingest': 5,
      'shop-etl-dev-legacy-ingest': 5,
    });
    // Every process function knows the counts of the queues it may be subscribed to at run time, static queue or not.
    expect(JSON.parse(variables('ClickstreamLambdaFunction').SLUICE_MAX_RECEIVE_COUNTS as string)).toEqual({ 'shop-etl-dev-clickstream': 3, 'shop-etl-dev-ingest': 5 });
    expect(JSON.parse(variables('WebhookLambdaFunction').SLUICE_MAX_RECEIVE_COUNTS as string)).toEqual({ 'shop-etl-dev-ingest': 5 });
    expect(variables('WebhookLambdaFunction')).not.toHaveProperty('SLUICE_TASK_QUEUE_URL');
    expect(resource('ReportDashmailerLambdaFunction').Properties.Environment.Variables).toEqual({ LOG_LEVEL: 'info' });

    // What Lambda would see once CloudFormation has resolved the references, the bundle unpacked where the service is.
    const deployed = (functionId: string): NodeJS.ProcessEnv => ({
      ...Object.fromEntries(Object.entries(variables(functionId)).map(([key, value]) => [key, materialize(value)])),
      LAMBDA_TASK_ROOT: FIXTURE,
    });

    const worker = readAwsConfig(deployed('LegacyDashingestLambdaFunction'));
    expect(worker).toEqual({
      kind: 'process',
      service: 'shop-etl',
      stage: 'dev',
      taskTable: 'shop-etl-dev-tasks',
      retentionDays: 30,
      maxPayloadBytes: 1048576,
      process: 'legacy-ingest',
      timeoutSeconds: 6,
      taskQueue: { name: 'shop-etl-dev-legacy-ingest', url: 'https://sqs.us-east-1.amazonaws.com/123456789012/shop-etl-dev-legacy-ingest' },
      maxReceiveCounts: { 'shop-etl-dev-ingest': 5, 'shop-etl-dev-legacy-ingest': 5 },
      backoff: DEFAULT_BACKOFF,
      connections: [],
      declaredConnections: [],
      kv: { table: 'shop-etl-dev-kv', maxTtlSeconds: 31536000 },
      events: { table: 'shop-etl-dev-events', maxChainDepth: 4 },
      triggers: { table: 'shop-etl-dev-triggers', catalog: expect.objectContaining({ statics: expect.arrayContaining([expect.objectContaining({ process: 'legacy-ingest', spec: expect.objectContaining({ kind: 'queue', queue: 'shop-etl-dev-ingest' }) })]) }) },
    });

    const platform = readAwsConfig(deployed('SluiceDashapiLambdaFunction'));
    expect(platform).toMatchObject({ kind: 'platform', taskTable: 'shop-etl-dev-tasks', queueUrlPrefix: 'https://sqs.us-east-1.amazonaws.com/123456789012/' });
    if (platform.kind !== 'platform') throw new Error('expected the platform config');
    expect(platform.processes).toEqual([
      {
        name: 'orders-sync',
        taskQueue: 'shop-etl-dev-orders-sync',
        timeoutSeconds: 30,
        http: [{ method: 'POST', path: '/orders/sync' }],
        queues: [{ queue: 'shop-etl-dev-orders-sync', batchSize: 10, enabled: true, maximumBatchingWindow: 0 }],
        schedules: [
          { rule: 'orders-sync-schedule-1', expression: 'cron(0 2 * * ? *)', enabled: true },
          { rule: 'orders-sync-schedule-2', expression: 'rate(5 minutes)', enabled: false },
          { rule: 'orders-sync-schedule-3', expression: 'rate(1 hour)', enabled: false },
          { rule: 'shop-etl-nightly-full', expression: 'rate(1 day)', enabled: true },
        ],
      },
      {
        name: 'clickstream',
        taskQueue: 'shop-etl-dev-clickstream',
        timeoutSeconds: 6,
        http: [],
        queues: [{ queue: 'shop-etl-dev-clickstream', batchSize: 25, enabled: true, maximumBatchingWindow: 1 }],
        schedules: [],
      },
      {
        name: 'legacy-ingest',
        taskQueue: 'shop-etl-dev-legacy-ingest',
        timeoutSeconds: 6,
        http: [],
        queues: [
          { queue: 'shop-etl-dev-ingest', batchSize: 5, enabled: true, maximumBatchingWindow: 0 },
          { queue: 'shop-etl-dev-legacy-ingest', batchSize: 10, enabled: true, maximumBatchingWindow: 0 },
        ],
        schedules: [],
      },
      { name: 'webhook', timeoutSeconds: 6, http: [{ method: 'POST', path: '/webhooks/{source}' }], queues: [], schedules: [] },
    ]);
  });

  it('adds the events table from eventTableProperties: indexes, NEW_IMAGE stream, TTL, PITR, retained and protected from deletion', () => {
    expect(resource('SluiceEventsTable')).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: { TableName: 'shop-etl-dev-events', ...eventTableProperties(), DeletionProtectionEnabled: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const properties = resource('SluiceEventsTable').Properties;
    expect(properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName).sort()).toEqual(['byLabel', 'byProcess', 'bySource', 'byTarget', 'byTask', 'byTime']);
  });

  it('adds the event dispatcher on the stream: INSERT only, partial batch failures, bounded retries to a failure queue, a role scoped to the stream and the subscribers\' queues', () => {
    expect(resource('SluiceDasheventsLambdaFunction').Properties).toMatchObject({
      FunctionName: 'shop-etl-dev-sluice-events',
      Handler: 'platform/dispatcher.handler',
      Timeout: 60,
    });
    expect(resource('SluiceEventDispatchMapping')).toEqual({
      Type: 'AWS::Lambda::EventSourceMapping',
      DependsOn: ['SluiceSluiceDasheventsRole'],
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['SluiceEventsTable', 'StreamArn'] },
        FunctionName: getAtt('SluiceDasheventsLambdaFunction'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
        DestinationConfig: { OnFailure: { Destination: getAtt('SluiceEventDispatchDlq') } },
      },
    });
    expect(resource('SluiceEventDispatchDlq')).toMatchObject({ Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true }, DeletionPolicy: 'Retain' });
    expect(roleOf('SluiceDasheventsLambdaFunction')).toBe('SluiceSluiceDasheventsRole');
    expect(statementsOf('SluiceSluiceDasheventsRole')).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroup('shop-etl-dev-sluice-events')] },
      { Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'], Resource: [{ 'Fn::GetAtt': ['SluiceEventsTable', 'StreamArn'] }] },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [getAtt('SluiceTaskTable')] },
      // Any process with a task queue may subscribe (at run time, through /sluice/triggers).
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('SluiceOrdersDashsyncTaskQueue'), getAtt('SluiceClickstreamTaskQueue'), getAtt('SluiceLegacyDashingestTaskQueue')] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('SluiceEventDispatchDlq')] },
      // Runtime subscriptions, read from the trigger registry.
      { Effect: 'Allow', Action: ['dynamodb:Scan'], Resource: [getAtt('SluiceTriggerTable')] },
    ]);
    // The dataEvent trigger is Sluice's: no framework resource for it, and the dispatcher reads the subscriptions from the catalog.
    const variables = resource('SluiceDasheventsLambdaFunction').Properties.Environment.Variables as Record<string, unknown>;
    const config = readAwsConfig({ ...Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, materialize(value)])), LAMBDA_TASK_ROOT: FIXTURE });
    expect(config).toMatchObject({ kind: 'eventDispatcher', maxChainDepth: 4, queueUrlPrefix: 'https://sqs.us-east-1.amazonaws.com/123456789012/' });
    if (config.kind !== 'eventDispatcher') throw new Error('expected the dispatcher config');
    expect(config.subscribers).toEqual([
      { subscription: { id: 'clickstream:orders.synced::', process: 'clickstream', label: 'orders.synced' }, queue: 'shop-etl-dev-clickstream' },
      { subscription: { id: 'clickstream:orders.*:crm%3A%2F%2Forders:', process: 'clickstream', label: 'orders.*', source: 'crm://orders' }, queue: 'shop-etl-dev-clickstream' },
    ]);
  });

  it('compiles schedules (rate and cron, disabled ones too) with an input transformer carrying rule, time and input', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, rule]) => rule.Properties.Targets[0].Arn['Fn::GetAtt'][0] === 'OrdersDashsyncLambdaFunction');
    expect(rules.map(([, rule]) => [rule.Properties.ScheduleExpression, rule.Properties.State, rule.Properties.Name])).toEqual([
      ['cron(0 2 * * ? *)', 'ENABLED', undefined],
      ['rate(5 minutes)', 'DISABLED', undefined],
      ['rate(1 hour)', 'DISABLED', undefined],
      ['rate(1 day)', 'ENABLED', 'shop-etl-nightly-full'],
    ]);
    const delivered = rules.map(([, rule]) => {
      const target = rule.Properties.Targets[0];
      expect(target.Input).toBeUndefined();
      expect(target.InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      // EventBridge puts the event's time (a JSON string) where <time> is.
      return JSON.parse(target.InputTransformer.InputTemplate.replace('<time>', '"2026-11-27T02:00:00Z"'));
    });
    expect(delivered).toEqual([
      { sluiceSchedule: { rule: 'orders-sync-schedule-1', time: '2026-11-27T02:00:00Z' } },
      { sluiceSchedule: { rule: 'orders-sync-schedule-2', time: '2026-11-27T02:00:00Z' } },
      { sluiceSchedule: { rule: 'orders-sync-schedule-3', time: '2026-11-27T02:00:00Z' } },
      { sluiceSchedule: { rule: 'shop-etl-nightly-full', time: '2026-11-27T02:00:00Z', input: { full: true, note: '<b>all</b>' } } },
    ]);
    // The only placeholder EventBridge sees is <time>: the input's < > are JSON escapes.
    expect(rules[3]?.[1].Properties.Targets[0].InputTransformer.InputTemplate.match(/<[^>]*>/g)).toEqual(['<time>']);

    // A plain (sluice: false) function's schedule is left as the framework compiles it.
    const plain = ofType('AWS::Events::Rule').find(([, rule]) => rule.Properties.Targets[0].Arn['Fn::GetAtt'][0] === 'ReportDashmailerLambdaFunction');
    expect(plain?.[1].Properties.Targets[0].InputTransformer).toBeUndefined();
  });

  it('fails the package with a clear error on an invalid declaration', () => {
    expect(failedRun.code).not.toBe(0);
    expect(failedRun.output).toContain("Sluice: functions.a: route 'GET /sluice/mine' is under /sluice, which is reserved for the Sluice platform API");
  });

  it('fails the package on a misspelled function key, naming it and the key meant', () => {
    expect(typoRun.code).not.toBe(0);
    expect(typoRun.output).toContain("Sluice: functions.a: unknown key 'timout' (did you mean 'timeout'?)");
    expect(typoRun.output).not.toContain("'memorySize'");
  });

  it('fails the package on a route API Gateway would refuse at deploy, naming the function and the route', () => {
    expect(routeRun.code).not.toBe(0);
    expect(routeRun.output).toContain(
      "Sluice: functions.a.events[0].httpApi: route 'GET /a/{p+}/b' would be refused by API Gateway: the greedy parameter '{p+}' must be the last segment",
    );
  });

  it('packages a connection secret by reference: its value is in neither the template nor the bundled catalog, and the role may read exactly that parameter', () => {
    expect(secretsRun.code, secretsRun.output).toBe(0);
    const template = readFileSync(join(scratch, 'secrets-package', 'cloudformation-template-update-stack.json'), 'utf8');
    const catalog = readFileSync(join(secretsService, '.sluice-build', 'sluice-catalog.json'), 'utf8');
    for (const text of [template, catalog]) expect(text).not.toContain(CRM_TOKEN_VALUE);
    expect(JSON.parse(catalog).connections[0].settings.auth.token).toEqual({ env: 'CRM_TOKEN', ssm: '/secrets/crm-token' });
    const statements = Object.values(JSON.parse(template).Resources as Record<string, Resource>)
      .filter((candidate) => candidate.Type === 'AWS::IAM::Role')
      .flatMap((role) => role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement));
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/secrets/crm-token' }],
    });
  });

  it("never zips the embedded runtime's data directory (.sluice/: databases, API token, dev JWT key), even with the framework's own packager", async () => {
    expect(secretsRun.code, secretsRun.output).toBe(0);
    const { stdout } = await run('unzip', ['-Z1', join(scratch, 'secrets-package', 'secrets.zip')]);
    const entries = stdout.split('\n').filter(Boolean);
    expect(entries).toContain('a.js');
    expect(entries.filter((e) => e.startsWith('.sluice/'))).toEqual([]);
  });

  it('refuses to package a credential written in plain text (a variable the framework resolved), naming the setting, without showing it', () => {
    expect(plainRun.code).not.toBe(0);
    expect(plainRun.output).toContain('Sluice: custom.sluice.connections.crm.auth.token: a credential written in plain text would be bundled');
    expect(plainRun.output).not.toContain(CRM_TOKEN_VALUE);
  });

  it('fails the package on a misspelled provider key (the fixture\'s own provider keys pass), naming it and the key meant', () => {
    expect(providerRun.code).not.toBe(0);
    expect(providerRun.output).toContain("Sluice: provider: unknown key 'enviroment' (did you mean 'environment'?)");
  });
});

/** Resolves the references the plugin puts in environment variables as CloudFormation would, for account 123456789012. */
function materialize(value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  if (ref !== undefined) {
    const target = resource(ref);
    if (target.Type === 'AWS::DynamoDB::Table') return target.Properties.TableName;
    if (target.Type === 'AWS::SQS::Queue') return `https://sqs.us-east-1.amazonaws.com/123456789012/${target.Properties.QueueName}`;
  }
  const sub = (value as { 'Fn::Sub'?: string })['Fn::Sub'];
  if (sub !== undefined) {
    return sub.replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', 'us-east-1').replace('${AWS::URLSuffix}', 'amazonaws.com').replace('${AWS::AccountId}', '123456789012');
  }
  const [logicalId, attribute] = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] ?? [];
  if (logicalId !== undefined && attribute === 'Arn' && resource(logicalId).Type === 'AWS::IAM::Role') return `arn:aws:iam::123456789012:role/${logicalId}`;
  if (logicalId !== undefined && attribute === 'Arn' && resource(logicalId).Type === 'AWS::SQS::Queue') return `arn:aws:sqs:us-east-1:123456789012:${resource(logicalId).Properties.QueueName}`;
  throw new Error(`cannot materialize ${JSON.stringify(value)}`);
}
