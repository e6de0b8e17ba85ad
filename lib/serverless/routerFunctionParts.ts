import { DEPLOYMENT_CATALOG_FILE } from '../aws/config/deploymentCatalog.js';
import { INPUT_SCHEMAS_FILE } from '../aws/config/inputSchemaCatalog.js';
import { FUNCTION_KIND, SLUICE_ENV } from '../aws/config/sluiceEnv.js';
import type { ExpandedProcess } from '../config/expandSluiceDeclarations.js';
import type { FunctionConfig } from '../config/serverlessConfig.js';
import type { ServiceManifest } from '../config/ServiceManifest.js';
import { normalizedFunctionName, ROUTER_FUNCTION } from '../config/sluiceNames.js';
import { shapeKey } from '../http/ProcessRouteTable.js';
import type { PolicyStatement } from './awsIam.js';

/** The catch-all route of the HTTP API that carries runtime routes to the router. */
export const CATCH_ALL_ROUTE = { method: 'ANY', path: '/{proxy+}' } as const;

/**
 * Timeout of the router: HTTP API's integration timeout (30 s, counted by
 * API Gateway, cold start included) is the most any request through it can
 * last, and a sync route's process function runs within the router's
 * invocation. One second under it, so the router's own 504 (half a second
 * before its end) reaches the client rather than API Gateway's bare 503.
 */
export const ROUTER_TIMEOUT_SECONDS = 29;

export interface RouterFunctionInput {
  service: string;
  stage: string;
  manifest: Pick<ServiceManifest, 'processes'>;
  expandedProcesses: readonly ExpandedProcess[];
  /** `custom.sluice.routerHandler`. */
  handler: string;
  /** `custom.sluice.runtimeRoutes` (default true). */
  enabled: boolean;
  /** Each process's deployed Lambda function name (`functions.<key>.name`, or the framework's default). */
  functionNames: Readonly<Record<string, string>>;
  /** The `SLUICE_*` variables every Sluice function gets. */
  commonEnvironment: Record<string, unknown>;
  /** `SLUICE_QUEUE_URL_PREFIX`'s CloudFormation value. */
  queueUrlPrefix: unknown;
  /** Whether the input JSON Schemas are written (some process has a task queue). */
  inputSchemas: boolean;
  taskTableArn: unknown;
  triggerTable: { ref: unknown; arn: unknown };
}

export interface RouterFunctionParts {
  functionName: string;
  fn: FunctionConfig;
  statements: PolicyStatement[];
}

/**
 * The router of runtime HTTP routes (`sluice-routes`, `lib/aws/lambda/routerHandler.ts`):
 * the function on the HTTP API's catch-all route `ANY /{proxy+}`, its
 * environment and its least-privilege statements. `undefined` when
 * `custom.sluice.runtimeRoutes` is false, or when a process already declares
 * that route (`httpApi: '*'` is one): theirs is kept, with a warning, and
 * runtime routes cannot be served.
 *
 * Why the catch-all never takes a request from a static route or `/sluice/*`:
 * API Gateway HTTP API sends a request to the most specific route that
 * matches it, whatever the order routes were created in: a route without
 * path variables first, then variables, then greedy ones (`{proxy+}` is the
 * least specific path there is); and on the same path a route for the
 * request's method before `ANY`. So every static route, and every `/sluice/*`
 * route of the platform function, wins every request it matches; only what
 * no other route matches reaches the router (which answers 404 to what no
 * runtime route matches either). Runtime routes a static route would capture
 * are refused when they are created (`checkAwsRuntimeRoute`).
 *
 * Permissions: the trigger table (GetItem: the registry's generation; Scan:
 * its list), `lambda:InvokeFunction` on exactly the service's process
 * functions (sync routes), and what queuing a task takes (async routes, as
 * the platform function: GetItem + conditional PutItem on the task table,
 * SendMessage on the task queues).
 */
export function routerFunctionParts(input: RouterFunctionInput, warnings: string[]): RouterFunctionParts | undefined {
  if (!input.enabled || input.manifest.processes.length === 0) return undefined;
  const catchAll = shapeKey(CATCH_ALL_ROUTE);
  const holder = input.manifest.processes.find((process) => process.http.some((route) => shapeKey(route) === catchAll));
  if (holder) {
    warnings.push(
      `functions.${holder.name} declares the catch-all route (${CATCH_ALL_ROUTE.method} ${CATCH_ALL_ROUTE.path}, or httpApi '*'): runtime HTTP routes cannot be served on AWS and the router is not deployed (set custom.sluice.runtimeRoutes: false to say so)`,
    );
    return undefined;
  }
  const functionName = `${input.service}-${input.stage}-${ROUTER_FUNCTION}`;
  // The router derives `${service}-${stage}-${process}`; only names set in serverless.yml travel.
  const renamed = Object.fromEntries(Object.entries(input.functionNames).filter(([process, name]) => name !== `${input.service}-${input.stage}-${process}`));
  const fn: FunctionConfig = {
    name: functionName,
    handler: input.handler,
    timeout: ROUTER_TIMEOUT_SECONDS,
    description: 'Sluice router of runtime HTTP routes',
    sluice: false,
    environment: {
      [SLUICE_ENV.functionKind]: FUNCTION_KIND.router,
      ...input.commonEnvironment,
      [SLUICE_ENV.queueUrlPrefix]: input.queueUrlPrefix,
      [SLUICE_ENV.triggerTable]: input.triggerTable.ref,
      ...(Object.keys(renamed).length > 0 ? { [SLUICE_ENV.processFunctions]: JSON.stringify(renamed) } : {}),
      ...(input.inputSchemas ? { [SLUICE_ENV.inputSchemas]: INPUT_SCHEMAS_FILE } : {}),
    },
    package: { patterns: [DEPLOYMENT_CATALOG_FILE, ...(input.inputSchemas ? [INPUT_SCHEMAS_FILE] : [])] },
    // `*` is the framework's ANY; no authorizer: runtime routes with one are refused on AWS.
    events: [{ httpApi: { method: '*', path: CATCH_ALL_ROUTE.path } }],
  };
  const processArns = input.manifest.processes.map((process) => ({ 'Fn::GetAtt': [`${normalizedFunctionName(process.name)}LambdaFunction`, 'Arn'] }));
  const taskQueueArns = input.expandedProcesses.flatMap((process) => (process.taskQueue ? [{ 'Fn::GetAtt': [process.taskQueue.logicalId, 'Arn'] }] : []));
  const statements: PolicyStatement[] = [
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Scan'], Resource: [input.triggerTable.arn] },
    { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: processArns },
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [input.taskTableArn] },
  ];
  if (taskQueueArns.length > 0) statements.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: taskQueueArns });
  return { functionName, fn, statements };
}
