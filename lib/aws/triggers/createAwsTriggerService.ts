import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { checkAwsRuntimeRoute } from '../router/checkAwsRuntimeRoute.js';
import { checkTriggerSpec, subscribableQueues, type TriggerCheckSource } from '../../config/checkTriggerSpec.js';
import { ValidationError } from '../../core/errors.js';
import type { Clock } from '../../core/ports/Clock.js';
import { TriggerService } from '../../core/triggers/TriggerService.js';
import type { TriggerCatalog } from '../config/deploymentCatalog.js';
import type { CatalogProcess } from '../config/processCatalog.js';
import type { RuntimeTriggerTargets } from '../config/readAwsConfig.js';
import { DynamoTriggerRegistry } from '../DynamoTriggerRegistry.js';
import { AwsTriggerEffects } from './AwsTriggerEffects.js';
import { EventSourceMappings } from './EventSourceMappings.js';
import { SCHEDULE_INPUT_LIMIT, SCHEDULER_TIME, scheduleFiringTemplate } from './scheduleFiringTemplate.js';
import { SchedulerSchedules } from './SchedulerSchedules.js';

export interface AwsTriggerServiceDeps {
  table: string;
  catalog: TriggerCatalog;
  processes: readonly CatalogProcess[];
  targets: RuntimeTriggerTargets;
  /** Created once per container (like every client of the platform function). */
  dynamo: DynamoDBClient;
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  clock: Clock;
  /** Where an invocation Scheduler gave up on goes, when the deployment has such a queue. */
  scheduleDeadLetterArn?: string;
  /** @default 1000 ms, see `EventSourceMappings` */
  busyRetryMs?: number;
}

/**
 * The trigger registry of the AWS platform function: the catalog's static
 * triggers, `DynamoTriggerRegistry`, the runtime-neutral `checkTriggerSpec`
 * (plus the one limit only AWS has, a schedule's firing event under
 * Scheduler's 8,192 characters) and {@link AwsTriggerEffects} as `apply`.
 */
export function createAwsTriggerService(deps: AwsTriggerServiceDeps): TriggerService {
  const { targets, catalog } = deps;
  const functionNameOf = (process: string) => catalog.functions[process]?.name ?? process;
  const functionArnOf = (process: string) => `arn:${targets.partition}:lambda:${targets.region}:${targets.account}:function:${functionNameOf(process)}`;
  const queueArnOf = (queue: string) => `arn:${targets.partition}:sqs:${targets.region}:${targets.account}:${queue}`;
  const source: TriggerCheckSource = { processes: deps.processes, queues: catalog.queues, authorizers: catalog.authorizers };
  const registry = new DynamoTriggerRegistry({ client: deps.dynamo, tableName: deps.table });
  // Two writes at once each apply the list they read: before deleting, ask the registry again.
  const stillWanted = async (triggerId: string) => {
    const record = await registry.get(triggerId);
    return record !== undefined && record.source === 'runtime' && record.spec.kind === 'schedule';
  };
  const queueStillWanted = async (process: string, queue: string) =>
    (await registry.list()).some((r) => r.source === 'runtime' && r.process === process && r.spec.kind === 'queue' && r.spec.queue === queue);
  const effects = new AwsTriggerEffects(
    new SchedulerSchedules({ stillWanted, client: deps.scheduler, group: targets.scheduleGroup, roleArn: targets.schedulerRoleArn, functionArnOf, clock: deps.clock, ...(deps.scheduleDeadLetterArn !== undefined ? { deadLetterArn: deps.scheduleDeadLetterArn } : {}) }),
    new EventSourceMappings({
      client: deps.lambda,
      processes: deps.processes.map((p) => p.name),
      functionNameOf,
      functionArnOf,
      queueArnOf,
      subscribable: subscribableQueues(source),
      maxConcurrencyOf: (process) => catalog.functions[process]?.maxConcurrency,
      stillWanted: queueStillWanted,
      ...(deps.busyRetryMs !== undefined ? { busyRetryMs: deps.busyRetryMs } : {}),
    }),
  );
  return new TriggerService({
    registry,
    statics: catalog.statics,
    processes: new Set(deps.processes.map((p) => p.name)),
    clock: deps.clock,
    check: (process, spec, others) => {
      const checked = checkTriggerSpec(source, process, spec, others);
      // What the router behind the catch-all route can serve (no authorizer, not `/`).
      if (checked.kind === 'http') checkAwsRuntimeRoute(checked);
      // Refused before the write, not found out when Scheduler refuses it after.
      if (checked.kind === 'schedule' && scheduleFiringTemplate({ rule: 'trg_0000000000000000', input: checked.input, overlap: checked.overlap }, SCHEDULER_TIME) === undefined) {
        throw new ValidationError(`invalid schedule trigger: input: too large: EventBridge Scheduler allows ${SCHEDULE_INPUT_LIMIT} characters for the firing event`, [{ path: 'input', message: 'too large' }]);
      }
      return checked;
    },
    apply: (effective, changed) => effects.apply(effective, changed),
    warn: (message) => console.warn(message),
  });
}
