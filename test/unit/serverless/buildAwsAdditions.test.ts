import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServiceManifest } from '../../../lib/config/buildServiceManifest.js';
import { expandSluiceDeclarations } from '../../../lib/config/expandSluiceDeclarations.js';
import type { FunctionConfig, ServerlessConfig } from '../../../lib/config/serverlessConfig.js';
import { buildAwsAdditions, scheduleInputTemplate } from '../../../lib/serverless/buildAwsAdditions.js';
import { DEPLOYMENT_CATALOG_FILE, encodeDeploymentCatalog } from '../../../lib/aws/config/deploymentCatalog.js';
import { pruneDefaultRoleQueues } from '../../../lib/serverless/pruneDefaultRole.js';

const SERVICE_DIR = join(import.meta.dirname, '../../fixtures/serverless/shop-etl');

function additions(config: ServerlessConfig) {
  return withManifest(config).additions;
}

function withManifest(config: ServerlessConfig) {
  const expanded = expandSluiceDeclarations(config, { stage: 'dev' });
  const manifest = buildServiceManifest(expanded, { serviceDir: SERVICE_DIR, region: 'us-east-1', target: 'aws' });
  return { manifest, additions: buildAwsAdditions(expanded, manifest) };
}

function service(functions: Record<string, FunctionConfig>, provider: Record<string, unknown> = {}): ServerlessConfig {
  return { service: 'shop', provider: { name: 'aws', ...provider }, functions };
}

const handler = 'functions/ordersSync.handler';

describe('buildAwsAdditions', () => {
  it('passes custom.sluice.trackRunning to process functions, and sets nothing when it is unset', () => {
    const on = additions({ ...service({ a: { handler } }), custom: { sluice: { trackRunning: true } } });
    expect((on.functions.a?.environment as Record<string, unknown>).SLUICE_TRACK_RUNNING).toBe('true');
    const unset = additions(service({ a: { handler } }));
    expect(unset.functions.a?.environment).not.toHaveProperty('SLUICE_TRACK_RUNNING');
  });

  it('lists queue triggers in the platform catalog, a file bundled with every function', () => {
    const { manifest, additions: result } = withManifest(service({ a: { handler, sluice: { queue: { batchSize: 7 } } } }));
    const catalog = JSON.parse(encodeDeploymentCatalog(manifest));
    expect(catalog.processes[0].u).toEqual([['shop-dev-a', 7, 1, 0]]);
    for (const name of ['a', 'sluice-api']) {
      expect((result.functions[name]?.environment as Record<string, string>).SLUICE_CATALOG).toBe(DEPLOYMENT_CATALOG_FILE);
      expect((result.functions[name]?.package as { patterns: string[] }).patterns).toContain(DEPLOYMENT_CATALOG_FILE);
    }
  });

  it('tells every process function the maxReceiveCount of each queue it may be subscribed to at run time, and the catalog each queue\'s visibility timeout', () => {
    const config: ServerlessConfig = {
      ...service({ a: { handler, timeout: 20, sluice: { queue: { maxReceiveCount: 4 } } }, b: { handler, sluice: { queue: false } } }),
      resources: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shop-dev-inbox', VisibilityTimeout: 120, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['InboxDlq', 'Arn'] }, maxReceiveCount: 7 } } },
          InboxDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shop-dev-inbox-dlq' } },
          Plain: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shop-dev-plain' } },
        },
      },
    };
    const { manifest, additions: result } = withManifest(config);
    const counts = (name: string) => JSON.parse((result.functions[name]?.environment as Record<string, string>).SLUICE_MAX_RECEIVE_COUNTS!) as Record<string, number>;
    // a: its task queue (static) and the inbox (subscribable, redriven); the DLQ and the plain queue have no redrive.
    expect(counts('a')).toEqual({ 'shop-dev-a': 4, 'shop-dev-inbox': 7 });
    // b consumes no queue statically: a runtime trigger on the inbox still ends its tasks on the last receive.
    expect(counts('b')).toEqual({ 'shop-dev-inbox': 7 });
    // The checks of /sluice/triggers on AWS refuse a queue whose visibility timeout is under the function's timeout.
    const catalog = JSON.parse(encodeDeploymentCatalog(manifest));
    expect([...catalog.triggers.queues].sort((x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name))).toEqual([
      { name: 'shop-dev-a', visibilityTimeoutSeconds: 120, deadLetter: { queue: 'shop-dev-a-dlq' } },
      { name: 'shop-dev-a-dlq', visibilityTimeoutSeconds: 30 },
      { name: 'shop-dev-inbox', visibilityTimeoutSeconds: 120, deadLetter: { queue: 'shop-dev-inbox-dlq' } },
      { name: 'shop-dev-inbox-dlq', visibilityTimeoutSeconds: 30 },
      { name: 'shop-dev-plain', visibilityTimeoutSeconds: 30 },
    ]);
  });

  it('always adds the events table, and the event dispatcher when a process could subscribe to data events (it has a task queue)', () => {
    const none = additions(service({ a: { handler, sluice: { queue: false } } }));
    expect(none.resources.SluiceEventsTable?.Properties).toMatchObject({ TableName: 'shop-dev-events', StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    expect(none.functions).not.toHaveProperty('sluice-events');
    expect(none.resources).not.toHaveProperty('SluiceEventDispatchMapping');
    expect(none.resources).not.toHaveProperty('SluiceEventDispatchDlq');

    const some = additions(service({ a: { handler, events: [{ dataEvent: { label: 'orders.*' } }, { httpApi: 'POST /a' }] }, b: { handler } }));
    expect(some.functions['sluice-events']).toMatchObject({ handler: 'lib/aws/lambda/eventDispatcherHandler.handler', role: 'SluiceSluiceDasheventsRole', events: [] });
    // Lambda has no dataEvent trigger: the subscription leaves the function's events, the catalog carries it.
    expect(some.functions.a?.events).toEqual([{ httpApi: 'POST /a' }, expect.objectContaining({ sqs: expect.anything() })]);
    const statements = (some.resources.SluiceSluiceDasheventsRole?.Properties as { Policies: Array<{ PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown[] }> } }> }).Policies[0]!.PolicyDocument.Statement;
    // Every task queue: b may subscribe at run time (/sluice/triggers).
    expect(statements.find((statement) => statement.Action.includes('sqs:SendMessage') && JSON.stringify(statement.Resource).includes('TaskQueue'))?.Resource).toEqual([{ 'Fn::GetAtt': ['SluiceATaskQueue', 'Arn'] }, { 'Fn::GetAtt': ['SluiceBTaskQueue', 'Arn'] }]);
  });

  it('retains the events table and the dispatcher failures only under retainData', () => {
    const kept = additions(service({ a: { handler, events: [{ dataEvent: 'x.y' }] } }));
    expect(kept.resources.SluiceEventsTable).toMatchObject({ DeletionPolicy: 'Retain', Properties: { DeletionProtectionEnabled: true } });
    expect(kept.resources.SluiceEventDispatchDlq).toMatchObject({ DeletionPolicy: 'Retain' });
    const dropped = additions({ ...service({ a: { handler, events: [{ dataEvent: 'x.y' }] } }), custom: { sluice: { retainData: false } } });
    expect(dropped.resources.SluiceEventsTable).not.toHaveProperty('DeletionPolicy');
    expect(dropped.resources.SluiceEventsTable?.Properties).not.toHaveProperty('DeletionProtectionEnabled');
  });

  it('refuses at package time a Lambda function name over 64 characters, naming the function (issue 7, item 4)', () => {
    const key = 'sync-the-customers-of-every-region-into-the-crm';
    expect(() => additions(service({ [key]: { handler } }))).not.toThrow(); // shop-dev-<key>: 56 characters
    expect(() => additions(service({ [`${key}-and-more-and-more`]: { handler } }))).toThrow(/functions\.sync-the-customers-of-every-region-into-the-crm-and-more-and-more: its Lambda function name 'shop-dev-.*' is 74 characters; Lambda allows 64 \(shorten the service name, the stage or the function key, or set functions\..*\.name\)/);
    // The user's own name is what is checked.
    expect(() => additions(service({ [`${key}-and-more-and-more`]: { handler, name: 'short-name' } }))).not.toThrow();
    // The platform function's name comes from the service and the stage.
    expect(() => additions({ ...service({ a: { handler } }), service: 'x'.repeat(55) })).toThrow(/functions\.sluice-api: its Lambda function name .* \(shorten the service name or the stage\)/);
  });

  it('adds the router of runtime routes on ANY /{proxy+} by default; none when runtimeRoutes is false or a process holds the catch-all', () => {
    const on = additions(service({ a: { handler, events: [{ httpApi: 'GET /a' }] }, b: { handler, name: 'bee-worker' } }));
    expect(on.functions['sluice-routes']).toMatchObject({
      name: 'shop-dev-sluice-routes',
      handler: 'lib/aws/lambda/routerHandler.handler',
      timeout: 29,
      role: 'SluiceSluiceDashroutesRole',
      events: [{ httpApi: { method: '*', path: '/{proxy+}' } }],
    });
    // Only the renamed process travels; the router derives the others' names.
    const env = on.functions['sluice-routes']!.environment as Record<string, unknown>;
    expect(env).toMatchObject({ SLUICE_FUNCTION_KIND: 'router', SLUICE_TRIGGER_TABLE: { Ref: 'SluiceTriggerTable' }, SLUICE_PROCESS_FUNCTIONS: '{"b":"bee-worker"}' });
    expect(on.resources.SluiceTriggerTable?.Properties).toMatchObject({ TableName: 'shop-dev-triggers' });

    const off = additions({ ...service({ a: { handler } }), custom: { sluice: { runtimeRoutes: false } } });
    expect(off.functions).not.toHaveProperty('sluice-routes');
    expect(off.resources).not.toHaveProperty('SluiceSluiceDashroutesRole');

    const taken = additions(service({ a: { handler, events: [{ httpApi: '*' }] } }));
    expect(taken.functions).not.toHaveProperty('sluice-routes');
    expect(taken.warnings.join('\n')).toMatch(/functions\.a declares the catch-all route .* runtime HTTP routes cannot be served on AWS/);
  });

  it("refuses a service name that makes the router's Lambda name over 64 characters", () => {
    // shop-dev-sluice-api fits at 63 characters; the router's name is 3 longer.
    // Without a task queue no event dispatcher (sluice-events, as long) is deployed: the router's name is the one checked.
    const noQueue = { a: { handler, sluice: { queue: false } } } as unknown as Record<string, FunctionConfig>;
    expect(() => additions({ ...service(noQueue), service: 'x'.repeat(48) })).toThrow(/functions\.sluice-routes: its Lambda function name .* is 66 characters; Lambda allows 64 \(shorten the service name or the stage\)/);
    expect(() => additions({ ...service(noQueue), service: 'x'.repeat(48), custom: { sluice: { runtimeRoutes: false } } })).not.toThrow();
  });

  it('reserves the sluice-routes function name', () => {
    expect(() => additions(service({ 'sluice-routes': { handler } }))).toThrow(/functions.sluice-routes: this function name is reserved for the Sluice router of runtime routes/);
  });

  it('reserves the sluice-events function name', () => {
    expect(() => additions(service({ 'sluice-events': { handler } }))).toThrow(/functions.sluice-events: this function name is reserved for the Sluice event dispatcher/);
  });

  it('keeps a role the user chose, and warns about what it must allow', () => {
    const result = additions(service({ a: { handler, role: 'arn:aws:iam::1:role/mine' } }));
    expect(result.functions.a?.role).toBe('arn:aws:iam::1:role/mine');
    expect(result.resources).not.toHaveProperty('SluiceARole');
    expect(result.warnings.join('\n')).toMatch(/functions.a sets its own role.*dynamodb:GetItem, dynamodb:PutItem.*sqs:ReceiveMessage/);
  });

  it('leaves a provider-wide existing role alone, warning once', () => {
    const result = additions(service({ a: { handler }, b: { handler } }, { iam: { role: 'arn:aws:iam::1:role/shared' } }));
    expect(result.functions.a?.role).toBeUndefined();
    expect(result.functions['sluice-api']?.role).toBeUndefined();
    expect(result.warnings.filter((warning) => warning.startsWith('provider sets an existing role'))).toHaveLength(1);
  });

  it('adds VPC access, X-Ray, the permissions boundary and user managed policies where they apply', () => {
    const result = additions(
      service(
        { a: { handler, vpc: { subnetIds: ['s'], securityGroupIds: ['g'] } } },
        { tracing: { lambda: true }, iam: { role: { managedPolicies: ['arn:aws:iam::aws:policy/ReadOnly'], permissionsBoundary: 'arn:aws:iam::1:policy/boundary' } } },
      ),
    );
    const role = result.resources.SluiceARole?.Properties ?? {};
    expect(role.ManagedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/ReadOnly',
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole' },
    ]);
    expect(role.PermissionsBoundary).toBe('arn:aws:iam::1:policy/boundary');
    const statements = (role.Policies as any[])[0].PolicyDocument.Statement;
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: ['*'] });
    // The platform role gets neither the user's managed policies nor VPC access (it has no VPC).
    expect(result.resources.SluiceSluiceDashapiRole?.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('drops the log statement of a function with disableLogs, and uses custom function names in log ARNs', () => {
    const result = additions(service({ a: { handler, disableLogs: true }, b: { handler, name: 'custom-b' } }));
    const actions = (id: string) => (result.resources[id]?.Properties?.Policies as any[])[0].PolicyDocument.Statement.flatMap((s: any) => s.Action);
    expect(actions('SluiceARole')).not.toContain('logs:PutLogEvents');
    const bLogs = (result.resources.SluiceBRole?.Properties?.Policies as any[])[0].PolicyDocument.Statement[0];
    expect(bLogs.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/custom-b:*' }]);
  });

  it('refuses a user resource on a Sluice logical id', () => {
    const config = service({ a: { handler } });
    config.resources = { Resources: { SluiceTaskTable: { Type: 'AWS::DynamoDB::Table' } } };
    expect(() => additions(config)).toThrow(/resources.Resources.SluiceTaskTable: this logical id is reserved for Sluice/);
  });

  it('packages 200 processes: the catalog is a bundled file, not an environment variable under 4 KB', () => {
    const functions: Record<string, FunctionConfig> = {};
    for (let i = 0; i < 200; i += 1) {
      functions[`process-with-a-rather-long-name-${i}`] = { handler, events: [{ httpApi: `POST /some/long/route/for/process/${i}` }] };
    }
    const { manifest, additions: result } = withManifest(service(functions));
    expect(JSON.stringify(result.functions['sluice-api']?.environment).length).toBeLessThan(1024);
    expect(JSON.parse(encodeDeploymentCatalog(manifest)).processes).toHaveLength(200);
  });

  it('counts user environment values (intrinsics estimated) against the limit', () => {
    const big = 'x'.repeat(3800);
    expect(() => additions(service({ a: { handler, environment: { BIG: 'x'.repeat(3000) } } }))).not.toThrow();
    expect(() => additions(service({ a: { handler, environment: { BIG: big } } }))).toThrow(/functions.a: its environment variables/);
    expect(() => additions(service({ a: { handler } }, { environment: { BIG: big } }))).toThrow(/its environment variables/);
    // Values CloudFormation resolves at deploy time count as 128 bytes each.
    const references = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`REF_${i}`, { Ref: `Thing${i}` }]));
    expect(() => additions(service({ a: { handler, environment: references } }))).toThrow(/functions.a: its environment variables/);
    expect(() => additions(service({ a: { handler, environment: Object.fromEntries(Object.entries(references).slice(0, 20)) } }))).not.toThrow();
  });
});

describe('scheduleInputTemplate', () => {
  it('wraps the input with the rule and the <time> placeholder', () => {
    const template = scheduleInputTemplate({ rule: 'r', expression: 'rate(1 hour)', enabled: true, overlap: 'skip', input: { a: ['<x>'] } }, 'f');
    expect(template).toBe('{"sluiceSchedule":{"rule":"r","time":<time>,"input":{"a":["\\u003cx\\u003e"]}}}');
    expect(JSON.parse(template.replace('<time>', '"t"'))).toEqual({ sluiceSchedule: { rule: 'r', time: 't', input: { a: ['<x>'] } } });
  });

  it('refuses an input over the EventBridge template limit', () => {
    expect(() => scheduleInputTemplate({ rule: 'r', expression: 'rate(1 hour)', enabled: true, overlap: 'skip', input: 'x'.repeat(9000) }, 'f')).toThrow(
      /functions.f: the input of schedule 'r' is too large/,
    );
  });
});

describe('schedules with a time zone or at(): EventBridge Scheduler schedules', () => {
  const events = [
    { schedule: { rate: 'cron(30 2 * * ? *)', timezone: 'Europe/Berlin', input: { day: 'today' } } },
    { schedule: { rate: 'at(2026-12-01T09:00:00)', overlap: 'allow', enabled: false } },
    { schedule: 'rate(5 minutes)' },
  ];

  it('become AWS::Scheduler::Schedule resources (time zone, no flexible window, input the handler reads); the others stay EventBridge rules', () => {
    const result = additions(service({ 'orders-sync': { handler, events } }));
    const functionArn = { 'Fn::GetAtt': ['OrdersDashsyncLambdaFunction', 'Arn'] };
    expect(result.resources.SluiceOrdersDashsyncSchedule1).toEqual({
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Description: "Sluice schedule 'orders-sync-schedule-1' of orders-sync",
        ScheduleExpression: 'cron(30 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: functionArn,
          RoleArn: { 'Fn::GetAtt': ['SluiceOrdersDashsyncSchedulerRole', 'Arn'] },
          Input: '{"sluiceSchedule":{"rule":"orders-sync-schedule-1","time":"<aws.scheduler.scheduled-time>","input":{"day":"today"}}}',
        },
      },
    });
    const at = result.resources.SluiceOrdersDashsyncSchedule2!.Properties as Record<string, any>;
    expect(at.ScheduleExpression).toBe('at(2026-12-01T09:00:00)');
    expect(at).not.toHaveProperty('ScheduleExpressionTimezone');
    expect(at.State).toBe('DISABLED');
    expect(at.Target.Input).toBe('{"sluiceSchedule":{"rule":"orders-sync-schedule-2","time":"<aws.scheduler.scheduled-time>","overlap":"allow"}}');
    // Only the rate stays a framework schedule event (an EventBridge rule).
    expect((result.functions['orders-sync']?.events ?? []).filter((event) => 'schedule' in (event as object))).toEqual([
      { schedule: expect.objectContaining({ rate: ['rate(5 minutes)'], inputTransformer: expect.objectContaining({ inputTemplate: '{"sluiceSchedule":{"rule":"orders-sync-schedule-3","time":<time>}}' }) }) },
    ]);
  });

  it('Scheduler\'s input, once Scheduler has put in the time, is what the handler reads', () => {
    const result = additions(service({ a: { handler, events } }));
    const input = ((result.resources.SluiceASchedule1!.Properties as Record<string, any>).Target.Input as string).replace('<aws.scheduler.scheduled-time>', '2026-03-30T00:30:00Z');
    expect(JSON.parse(input)).toEqual({ sluiceSchedule: { rule: 'a-schedule-1', time: '2026-03-30T00:30:00Z', input: { day: 'today' } } });
  });

  it('gives Scheduler a role it alone (this account) assumes, allowed to invoke exactly this function', () => {
    const result = additions(service({ a: { handler, events } }));
    expect(result.resources.SluiceASchedulerRole).toEqual({
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'invoke-function',
            PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [{ 'Fn::GetAtt': ['ALambdaFunction', 'Arn'] }] }] },
          },
        ],
      },
    });
    // A function without such schedules gets no Scheduler role.
    expect(additions(service({ b: { handler, events: [{ schedule: 'rate(5 minutes)' }] } })).resources).not.toHaveProperty('SluiceBSchedulerRole');
  });

  it('warns that buffer_one is embedded-only', () => {
    const result = additions(service({ a: { handler, events: [{ schedule: { rate: 'rate(5 minutes)', overlap: 'buffer_one' } }] } }));
    expect(result.warnings.join('\n')).toMatch(/schedule 'a-schedule-1' has overlap buffer_one, which only the embedded runtime implements/);
  });
});

describe('pruneDefaultRoleQueues', () => {
  it('keeps only the queues of functions on the shared role', () => {
    const sqsStatement = {
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [{ 'Fn::GetAtt': ['Mine', 'Arn'] }, { 'Fn::GetAtt': ['Plain', 'Arn'] }],
    };
    const logs = { Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: ['x'] };
    const resources = { IamRoleLambdaExecution: { Properties: { Policies: [{ PolicyDocument: { Statement: [logs, sqsStatement] } }] } } };
    pruneDefaultRoleQueues(resources, {
      mine: { role: 'SluiceMineRole', events: [{ sqs: { arn: { 'Fn::GetAtt': ['Mine', 'Arn'] } } }] },
      plain: { events: [{ sqs: { arn: { 'Fn::GetAtt': ['Plain', 'Arn'] } } }] },
    });
    expect(resources.IamRoleLambdaExecution.Properties.Policies[0]?.PolicyDocument.Statement).toEqual([
      logs,
      { ...sqsStatement, Resource: [{ 'Fn::GetAtt': ['Plain', 'Arn'] }] },
    ]);

    pruneDefaultRoleQueues(resources, { mine: { role: 'SluiceMineRole', events: [] } });
    expect(resources.IamRoleLambdaExecution.Properties.Policies[0]?.PolicyDocument.Statement).toEqual([logs]);
  });
});

describe('connections on AWS', () => {
  const withConnections = (connections: Record<string, unknown>, grants: string[] = Object.keys(connections)) =>
    withManifest({ ...service({ a: { handler, sluice: { connections: grants } }, b: { handler } }), custom: { sluice: { connections } } });
  const policy = (result: ReturnType<typeof additions>, role: string) => (result.resources[role]?.Properties?.Policies as any[])[0].PolicyDocument.Statement as any[];

  it("grants each function exactly its connections' parameters and secrets, nothing on *", () => {
    const { additions: result, manifest } = withConnections({
      crm: { type: 'http', baseUrl: 'https://crm.example.com', auth: { type: 'bearer', token: { env: 'CRM_TOKEN', ssm: '/shop/crm-token' } } },
      alerts: { type: 'smtp', url: 'smtp://etl@mail.example.com', password: { secretsManager: 'shop/smtp', json: 'password' } },
    });
    const statements = policy(result, 'SluiceARole');
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/shop/crm-token' }] });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:shop/smtp-??????' }],
    });
    // b is granted nothing: no secret of a's.
    expect(JSON.stringify(policy(result, 'SluiceBRole'))).not.toMatch(/ssm|secretsmanager/);
    for (const role of ['SluiceARole', 'SluiceBRole']) expect(policy(result, role).flatMap((s) => s.Resource)).not.toContain('*');
    // The catalog carries references, the grants, and nothing resolved.
    const catalog = JSON.parse(encodeDeploymentCatalog(manifest));
    expect(catalog.grants).toEqual({ a: ['crm', 'alerts'], b: [] });
    expect(catalog.connections[0].settings.auth.token).toEqual({ env: 'CRM_TOKEN', ssm: '/shop/crm-token' });
  });

  it('grants an s3 connection its bucket, listed only under its prefix, and objects under the prefix only', () => {
    const { additions: result } = withConnections({ landing: { type: 's3', bucket: 'acme-landing', prefix: 'flights/' } });
    const statements = policy(result, 'SluiceARole');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::acme-landing' }],
      Condition: { StringLike: { 's3:prefix': ['flights/*'] } },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::acme-landing/flights/*' }],
    });
    expect(JSON.stringify(policy(result, 'SluiceBRole'))).not.toContain('s3:');
  });

  it('refuses what would put a credential into the bundle, or cannot work on Lambda, naming the setting', () => {
    const refused = (connections: Record<string, unknown>) => {
      try {
        withConnections(connections);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('packaged');
    };
    // `${env:CRM_TOKEN}` resolved by the framework arrives as plain text:
    expect(refused({ crm: { type: 'http', baseUrl: 'https://crm.example.com', auth: { type: 'bearer', token: 'tok-123' } } })).toMatch(
      /custom\.sluice\.connections\.crm\.auth\.token: a credential written in plain text would be bundled/,
    );
    expect(refused({ alerts: { type: 'smtp', url: 'smtp://etl:hunter2@mail.example.com' } })).toMatch(/custom\.sluice\.connections\.alerts\.url: the URL carries a password/);
    expect(refused({ warehouse: { type: 'postgres', url: 'postgres://etl@db.example.com/dw?password=hunter2' } })).toMatch(
      /custom\.sluice\.connections\.warehouse\.url: the URL's query string carries a credential/,
    );
    expect(refused({ crm: { type: 'http', baseUrl: 'https://crm.example.com', auth: { type: 'bearer', token: { env: 'CRM_TOKEN' } } } })).toMatch(
      /custom\.sluice\.connections\.crm\.auth\.token: this secret reference has only 'env'/,
    );
  });
});

describe('data kept on AWS', () => {
  it('retains the task table, the key-value table and the task dead-letter queues by default, tables protected from deletion', () => {
    const { resources } = additions(service({ a: { handler }, b: { handler, sluice: { queue: false } } }));
    for (const id of ['SluiceTaskTable', 'SluiceKvTable', 'SluiceATaskDlq']) {
      const resource = resources[id];
      expect(resource, id).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    expect(resources.SluiceTaskTable?.Properties).toMatchObject({ DeletionProtectionEnabled: true });
    expect(resources.SluiceKvTable?.Properties).toMatchObject({ DeletionProtectionEnabled: true });
    // The task queue itself holds nothing worth keeping once the stack is gone.
    expect(resources.SluiceATaskQueue).not.toHaveProperty('DeletionPolicy');
  });

  it('keeps nothing with custom.sluice.retainData: false (a throwaway stage)', () => {
    const { resources } = additions({ ...service({ a: { handler } }), custom: { sluice: { retainData: false } } });
    for (const resource of Object.values(resources)) expect(resource).not.toHaveProperty('DeletionPolicy');
    expect(resources.SluiceTaskTable?.Properties).not.toHaveProperty('DeletionProtectionEnabled');
  });
});

describe('failures seen on AWS (issue 7, item 8)', () => {
  const scheduled = () => service({ nightly: { handler, events: [{ schedule: 'rate(1 day)' }] }, api: { handler, events: [{ httpApi: 'POST /x' }] } });

  it('gives scheduled processes an on-failure destination (their role may send to it), and alarms on dead letters, queue age and errors to one SNS topic', () => {
    const { resources, functions } = additions(scheduled());
    expect(resources.SluiceAlarmTopic).toMatchObject({ Type: 'AWS::SNS::Topic', Properties: { TopicName: 'shop-dev-alarms' } });
    expect(resources.SluiceNightlyInvokeConfig).toMatchObject({
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: { FunctionName: { Ref: 'NightlyLambdaFunction' }, Qualifier: '$LATEST', DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['SluiceAsyncFailureQueue', 'Arn'] } } } },
    });
    expect(resources).not.toHaveProperty('SluiceApiInvokeConfig');
    const nightlyRole = JSON.stringify(resources[String(functions.nightly?.role)]);
    expect(nightlyRole).toContain('SluiceAsyncFailureQueue');
    expect(JSON.stringify(resources[String(functions.api?.role)])).not.toContain('SluiceAsyncFailureQueue');
    expect(resources.SluiceNightlyDeadLettersAlarm).toMatchObject({
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, AlarmActions: [{ Ref: 'SluiceAlarmTopic' }], Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SluiceNightlyTaskDlq', 'QueueName'] } }] },
    });
    expect(resources.SluiceApiQueueAgeAlarm).toMatchObject({ Properties: { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900 } });
    expect(resources.SluiceSluiceDashapiErrorsAlarm).toMatchObject({ Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors' } });
    expect(resources.SluiceAsyncFailuresAlarm).toBeDefined();
  });

  it('notifies a topic of yours, takes the age threshold, or is turned off', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:oncall';
    const mine = additions({ ...scheduled(), custom: { sluice: { alarms: { topicArn, maxMessageAgeSeconds: 120 } } } }).resources;
    expect(mine).not.toHaveProperty('SluiceAlarmTopic');
    expect(mine.SluiceApiQueueAgeAlarm).toMatchObject({ Properties: { Threshold: 120, AlarmActions: [topicArn] } });
    const off = additions({ ...scheduled(), custom: { sluice: { alarms: false } } }).resources;
    expect(Object.keys(off).filter((id) => /Alarm|InvokeConfig|AsyncFailure/.test(id))).toEqual([]);
    expect(() => additions({ ...scheduled(), custom: { sluice: { alarms: { topicArn: 'my-topic' } } } })).toThrow(/must be an SNS topic ARN/);
  });
});

describe('OpenLineage push on AWS', () => {
  it('carries the settings in the catalog, lets each process read exactly the key\'s parameter, and refuses an env-only key', () => {
    const url = 'https://marquez.example.com';
    const { manifest, additions: built } = withManifest({ ...service({ a: { handler } }), custom: { sluice: { openlineage: { url, apiKey: { ssm: '/lineage/key' }, namespace: 'shop' } } } });
    expect(JSON.parse(encodeDeploymentCatalog(manifest)).openlineage).toEqual({ url, apiKey: { ssm: '/lineage/key' }, namespace: 'shop' });
    const role = JSON.stringify(built.resources[String(built.functions.a?.role)]);
    expect(role).toContain('ssm:GetParameter');
    expect(role).toContain('parameter/lineage/key');
    expect(JSON.stringify(built.resources.SluiceSluiceDashapiRole)).not.toContain('lineage/key');
    expect(() => additions({ ...service({ a: { handler } }), custom: { sluice: { openlineage: { url, apiKey: { env: 'KEY' } } } } })).toThrow(/custom.sluice.openlineage.apiKey: on AWS the key is read from SSM or Secrets Manager/);
  });
});
