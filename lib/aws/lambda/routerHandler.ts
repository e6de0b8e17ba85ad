import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ConfigError, PayloadTooLargeError } from '../../core/errors.js';
import type { Clock } from '../../core/ports/Clock.js';
import { submitHttpTask, type SubmittableProcess } from '../../core/runner/submitTask.js';
import { systemClock } from '../../core/time/systemClock.js';
import { failureReply } from '../../http/failureReply.js';
import { jsonReply, routeNotFoundReply } from '../../http/httpResponses.js';
import { runAsyncHttpTask } from '../../http/runSyncHttpTask.js';
import { AwsTaskDispatcher } from '../AwsTaskDispatcher.js';
import { loadPayloadValidators, type PayloadValidator } from '../config/inputSchemaCatalog.js';
import { readAwsConfig, type AwsRouterConfig } from '../config/readAwsConfig.js';
import { DynamoTaskStore } from '../DynamoTaskStore.js';
import { DynamoTriggerRegistry } from '../DynamoTriggerRegistry.js';
import { queueUrlFromPrefix, type QueueUrlResolver } from '../queueUrlResolvers.js';
import { invokeProcessFunction } from '../router/invokeProcessFunction.js';
import { routedEvent } from '../router/routedEvent.js';
import { RuntimeRoutes } from '../router/RuntimeRoutes.js';
import { SqsMessageQueue } from '../SqsMessageQueue.js';
import { resultOf, syncRequestOf } from './handleHttpEvent.js';
import { httpApiEventSchema } from './processEvent.js';
import type { LambdaHandler } from './processHandler.js';

/** What the router is built from: in Lambda, the environment and clients made once per container. */
export interface RouterHandlerDeps {
  config: Readonly<AwsRouterConfig>;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** Invokes the process functions of sync routes (see {@link routerDepsFromEnv} for its settings). */
  lambda: LambdaClient;
  /** @default queueUrlFromPrefix(config.queueUrlPrefix) */
  resolveQueueUrl?: QueueUrlResolver;
  /** @default systemClock */
  clock?: Clock;
}

/** Methods whose body both runtimes ignore (as `runSyncHttpTask` does). */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

const FORBIDDEN_AUTHORIZED = jsonReply(403, { error: 'Forbidden', message: 'this route has an authorizer, which runtime routes cannot have on AWS: it is not served' });

/**
 * The Lambda handler of runtime HTTP routes on AWS. API Gateway sends it
 * every request that no route of the HTTP API matches more specifically
 * (its catch-all route `ANY /{proxy+}`; static routes and `/sluice/*` keep
 * their own functions). Per request:
 *
 * 1. the route table of the registry's runtime `http` triggers
 *    ({@link RuntimeRoutes}: one `GetItem` of the registry's generation, a
 *    new list only after a change), matched with API Gateway's selection
 *    rules; nothing matches (a paused route, another method, an unknown
 *    path) → 404 `Not Found`, as the embedded runtime and API Gateway answer;
 * 2. `sync`: the process function invoked with the event API Gateway would
 *    have sent it for that route (`routedEvent`), its result returned as is
 *    (`invokeProcessFunction`: 413, 429, 502, 504 of its own);
 * 3. `async`: the task queued as the embedded runtime queues it
 *    (`submitHttpTask`: one conditional `PutItem`, one `SendMessage`) → 202
 *    `{ taskId }` with `Location: /sluice/tasks/{taskId}`; the payload is
 *    checked against the process's input JSON Schema when the bundle has it.
 *
 * A body over `maxPayloadBytes` is a 413 before anything is invoked.
 */
export function createRouterHandler(deps: RouterHandlerDeps): LambdaHandler {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = (error: unknown, what: string) => console.error(`${what} failed`, error);
  const routes = new RuntimeRoutes({
    registry: new DynamoTriggerRegistry({ client: deps.dynamo, tableName: config.triggerTable }),
    processes: config.processes,
    functionNames: config.functionNames,
    warn: (message) => console.warn(JSON.stringify({ level: 'WARN', message })),
  });
  const store = new DynamoTaskStore({ client: deps.dynamo, tableName: config.taskTable, processes: config.processes.map((p) => p.name), clock });
  const queue = new SqsMessageQueue({ client: deps.sqs, resolveQueueUrl: deps.resolveQueueUrl ?? queueUrlFromPrefix(config.queueUrlPrefix) });
  const submitDeps = { dispatcher: new AwsTaskDispatcher({ store, queue, clock }), clock, retentionSeconds: config.retentionDays * 86_400 };
  const validators = config.inputSchemas === undefined ? new Map<string, PayloadValidator>() : loadPayloadValidators(config.inputSchemas);
  const submittable = new Map<string, SubmittableProcess>(
    config.processes.map((p) => {
      const validatePayload = validators.get(p.name);
      return [p.name, { name: p.name, taskQueue: p.taskQueue, ...(validatePayload ? { validatePayload } : {}) }];
    }),
  );

  return async (event, context): Promise<APIGatewayProxyStructuredResultV2> => {
    const deadlineMs = clock.now() + context.getRemainingTimeInMillis();
    const parsed = httpApiEventSchema.safeParse(event);
    // Only API Gateway invokes this function: anything else is a deployment mistake, not a request.
    if (!parsed.success) throw new ConfigError('the router was invoked with something else than an API Gateway HTTP API (payload 2.0) event', { cause: parsed.error });
    const request = parsed.data;
    const method = request.requestContext.http.method.toUpperCase();
    // The catch-all's `{proxy+}` is the path as API Gateway routed it: decoded, and relative to the API (behind a
    // custom domain's API mapping with a base path, rawPath keeps that base path, which no runtime route has).
    const proxy = (event as { pathParameters?: Record<string, string | undefined> }).pathParameters?.proxy;
    const path = proxy !== undefined ? `/${proxy}` : request.rawPath;
    const what = `${method} ${path}`;
    try {
      const match = (await routes.current()).match(method, path);
      if (match.kind === 'not-found') return resultOf(routeNotFoundReply());
      const { target } = match;
      if (target.authorizer !== undefined) return resultOf(FORBIDDEN_AUTHORIZED);
      const forwarded = routedEvent(event as Record<string, unknown>, match.route, match.pathParameters);
      if (target.mode === 'async') {
        const process = submittable.get(target.process.name)!;
        const reply = await runAsyncHttpTask(process, syncRequestOf(httpApiEventSchema.parse(forwarded)), {
          submit: async (payload) => ({ taskId: (await submitHttpTask(process, payload, submitDeps)).taskId }),
          maxPayloadBytes: config.maxPayloadBytes,
          onInternalError: log,
        });
        return resultOf(reply);
      }
      // The process function refuses it too; refused here, it costs no invocation.
      const bodyBytes = request.body === undefined || BODYLESS.has(method) ? 0 : request.isBase64Encoded ? Buffer.from(request.body, 'base64').length : Buffer.byteLength(request.body);
      if (bodyBytes > config.maxPayloadBytes) return resultOf(failureReply(new PayloadTooLargeError(bodyBytes, config.maxPayloadBytes), log, what));
      return await invokeProcessFunction(target.functionName, forwarded, { lambda: deps.lambda, deadlineMs, now: () => clock.now(), onInternalError: log });
    } catch (error) {
      // The registry or the table could not be read: a 500 that leaks nothing.
      return resultOf(failureReply(error, log, what));
    }
  };
}

/**
 * The configuration and clients of this container, from the environment the
 * plugin set. The Lambda client makes one attempt (`maxAttempts: 1`): a
 * synchronous invocation retried after a network error could run the
 * process twice, and a throttled one is a 429 at once, as on the embedded
 * runtime.
 */
export function routerDepsFromEnv(env: NodeJS.ProcessEnv = process.env): RouterHandlerDeps {
  const config = readAwsConfig(env);
  if (config.kind !== 'router') throw new ConfigError(`this function is configured as the '${config.kind}' function, not the router of runtime routes`);
  return {
    config,
    dynamo: new DynamoDBClient({}),
    // As the platform function: queue URLs come from SLUICE_QUEUE_URL_PREFIX, requests go to the SDK's endpoint.
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    lambda: new LambdaClient({ maxAttempts: 1 }),
  };
}

let router: LambdaHandler | undefined;

/**
 * The router function's Lambda handler (`custom.sluice.routerHandler`
 * defaults to it). Built on the first event, then reused by the container;
 * a failure to build is not cached.
 */
export async function handler(event: unknown, context: Context): Promise<unknown> {
  router ??= createRouterHandler(routerDepsFromEnv());
  return router(event, context);
}
