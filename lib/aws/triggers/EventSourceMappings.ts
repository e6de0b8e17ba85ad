import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { SluiceError } from '../../core/errors.js';
import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import type { TriggerSpec } from '../../core/triggers/TriggerSpec.js';
import { awsErrorName, awsRequestFailed } from '../awsErrors.js';

type QueueSpec = Extract<TriggerSpec, { kind: 'queue' }>;

export interface EventSourceMappingsOptions {
  client: LambdaClient;
  /** Every process of the service: only their functions' mappings are looked at. */
  processes: readonly string[];
  /** The process function's name (`<service>-<stage>-<process>` unless named in serverless.yml). */
  functionNameOf(process: string): string;
  functionArnOf(process: string): string;
  queueArnOf(queue: string): string;
  /** The queues a runtime trigger may subscribe to (declared, not a task queue or its DLQ): the only ones looked at. */
  subscribable: readonly string[];
  /** `ScalingConfig.MaximumConcurrency` of the process's mappings, as its static ones get; undefined: none. */
  maxConcurrencyOf(process: string): number | undefined;
  /**
   * Asked before a mapping no trigger of `follow`'s list wants is deleted:
   * whether a runtime queue trigger of that process and queue exists after
   * all (created by a concurrent write). @default none: delete
   */
  stillWanted?(process: string, queue: string): Promise<boolean>;
  /** Waits between attempts at a mapping Lambda is still creating or updating. @default 1000 ms */
  busyRetryMs?: number;
}

/** Lambda refuses to change a mapping while it is `Creating` / `Updating` / ... (`ResourceInUseException`): a few tries, then the request fails (a retry converges). */
const BUSY_ATTEMPTS = 4;

/** A queue trigger whose mapping Lambda did not create or change (see {@link EventSourceMappings.follow}). */
export interface MappingFailure {
  triggerId: string;
  process: string;
  queue: string;
  /**
   * Lambda refused the request itself (a client fault other than throttling
   * or a busy mapping: an invalid parameter, a queue it cannot read): asking
   * again changes nothing until the trigger, the queue or the function does.
   * Otherwise a transient failure the next write retries.
   */
  refused: boolean;
  /** Names the operation, the mapping and Lambda's error; the SDK error as `cause`. */
  error: SluiceError;
}

/**
 * Queue triggers as Lambda event source mappings (SQS → the process
 * function), reconciled idempotently with what Lambda holds:
 *
 * - runtime trigger: a mapping with its `BatchSize`,
 *   `MaximumBatchingWindowInSeconds`, `ReportBatchItemFailures` (the
 *   handler's `batchItemFailures`) and the process's `MaximumConcurrency`,
 *   `Enabled: false` while paused; created when missing, updated when it
 *   differs, deleted when the trigger is;
 * - static trigger (CloudFormation's mapping): only `Enabled` follows the
 *   pause. CloudFormation does not see that change (no drift detection on
 *   deploy): a deploy that changes the mapping re-enables it; the platform
 *   function disables it again on the next trigger write.
 *
 * The state is Lambda's, found by listing the mappings of each subscribable
 * queue (`ListEventSourceMappings` by `EventSourceArn`), not kept anywhere:
 * the (function, queue) pair identifies a mapping (Lambda refuses a second
 * one), and a mapping of a Sluice process on a declared queue that no
 * trigger wants is one whose runtime trigger was deleted. Mappings of other
 * functions are never touched.
 *
 * One trigger Lambda will not map does not stop the others: `follow`
 * reconciles every trigger and returns those it could not (a
 * {@link MappingFailure} each); only what belongs to no trigger (listing a
 * queue, deleting an unwanted mapping) throws, after the rest was done.
 */
export class EventSourceMappings {
  constructor(private readonly options: EventSourceMappingsOptions) {}

  /**
   * @returns the queue triggers whose mapping Lambda did not create or change (empty: all in force)
   * @throws {SluiceError} when a queue's mappings could not be listed, or an unwanted one deleted (the first such failure)
   */
  async follow(triggers: readonly TriggerRecord[]): Promise<MappingFailure[]> {
    const wanted = new Map<string, TriggerRecord & { spec: QueueSpec }>();
    for (const t of triggers) if (t.spec.kind === 'queue') wanted.set(keyOf(this.options.functionNameOf(t.process), t.spec.queue), t as TriggerRecord & { spec: QueueSpec });
    const queues = new Set([...this.options.subscribable, ...[...wanted.values()].map((t) => t.spec.queue)]);
    const ours = new Set(this.options.processes.map((p) => this.options.functionNameOf(p)));
    const found = new Set<string>();
    const failures: MappingFailure[] = [];
    const unattributed: SluiceError[] = [];
    const attempt = async (trigger: TriggerRecord & { spec: QueueSpec }, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        failures.push({ triggerId: trigger.triggerId, process: trigger.process, queue: trigger.spec.queue, refused: isRefusal(error), error: error as SluiceError });
      }
    };
    for (const queue of queues) {
      for (const mapping of await this.#list(queue)) {
        const fn = functionNameOfArn(mapping.FunctionArn);
        if (fn === undefined || !ours.has(fn)) continue;
        const key = keyOf(fn, queue);
        const trigger = wanted.get(key);
        if (!trigger || found.has(key)) {
          // No trigger wants it (its runtime trigger was deleted), or a duplicate of one kept.
          if (!trigger && !this.options.subscribable.includes(queue)) continue;
          const process = this.options.processes.find((p) => this.options.functionNameOf(p) === fn);
          if (!trigger && process !== undefined && (await this.options.stillWanted?.(process, queue))) continue;
          try {
            await this.#busy('DeleteEventSourceMapping', mapping.UUID!, () => this.options.client.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID! })), true);
          } catch (error) {
            unattributed.push(error as SluiceError);
          }
          continue;
        }
        found.add(key);
        await attempt(trigger, () => this.#reconcile(mapping, trigger));
      }
    }
    for (const [key, trigger] of wanted) {
      if (found.has(key) || trigger.source !== 'runtime') continue;
      await attempt(trigger, () => this.#create(trigger));
    }
    if (unattributed.length > 0) throw unattributed[0];
    return failures;
  }

  async #reconcile(mapping: EventSourceMappingConfiguration, trigger: TriggerRecord & { spec: QueueSpec }): Promise<void> {
    const enabled = !trigger.paused;
    const isEnabled = mapping.State === 'Enabled' || mapping.State === 'Enabling' || mapping.State === 'Creating';
    if (trigger.source === 'static') {
      if (isEnabled !== enabled) await this.#update({ UUID: mapping.UUID!, Enabled: enabled });
      return;
    }
    const desired = this.#settingsOf(trigger);
    const same =
      isEnabled === enabled &&
      mapping.BatchSize === desired.BatchSize &&
      (mapping.MaximumBatchingWindowInSeconds ?? 0) === desired.MaximumBatchingWindowInSeconds &&
      (mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures') &&
      mapping.ScalingConfig?.MaximumConcurrency === desired.ScalingConfig?.MaximumConcurrency;
    if (!same) await this.#update({ UUID: mapping.UUID!, Enabled: enabled, ...desired, ...(desired.ScalingConfig ? {} : { ScalingConfig: {} }) });
  }

  #settingsOf(trigger: TriggerRecord & { spec: QueueSpec }) {
    const maxConcurrency = this.options.maxConcurrencyOf(trigger.process);
    return {
      BatchSize: trigger.spec.batchSize,
      MaximumBatchingWindowInSeconds: trigger.spec.maximumBatchingWindow,
      FunctionResponseTypes: ['ReportBatchItemFailures' as const],
      ...(maxConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: maxConcurrency } } : {}),
    };
  }

  async #create(trigger: TriggerRecord & { spec: QueueSpec }): Promise<void> {
    try {
      await this.options.client.send(
        new CreateEventSourceMappingCommand({
          FunctionName: this.options.functionArnOf(trigger.process),
          EventSourceArn: this.options.queueArnOf(trigger.spec.queue),
          Enabled: !trigger.paused,
          ...this.#settingsOf(trigger),
        }),
      );
    } catch (error) {
      // Created meanwhile by a concurrent write: the next follow reconciles its settings.
      if (awsErrorName(error) === 'ResourceConflictException') return;
      throw awsRequestFailed('Lambda', 'CreateEventSourceMapping', `${trigger.process} <- ${trigger.spec.queue}`, error);
    }
  }

  #update(request: ConstructorParameters<typeof UpdateEventSourceMappingCommand>[0]): Promise<void> {
    return this.#busy('UpdateEventSourceMapping', request.UUID!, () => this.options.client.send(new UpdateEventSourceMappingCommand(request)), false);
  }

  async #busy(operation: string, uuid: string, call: () => Promise<unknown>, goneIsDone: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await call();
        return;
      } catch (error) {
        const name = awsErrorName(error);
        if (goneIsDone && name === 'ResourceNotFoundException') return;
        if (name !== 'ResourceInUseException' || attempt >= BUSY_ATTEMPTS) throw awsRequestFailed('Lambda', operation, uuid, error);
        await new Promise((resolve) => setTimeout(resolve, this.options.busyRetryMs ?? 1000));
      }
    }
  }

  async #list(queue: string): Promise<EventSourceMappingConfiguration[]> {
    const out: EventSourceMappingConfiguration[] = [];
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await this.options.client.send(new ListEventSourceMappingsCommand({ EventSourceArn: this.options.queueArnOf(queue), MaxItems: 100, ...(marker ? { Marker: marker } : {}) }));
      } catch (error) {
        throw awsRequestFailed('Lambda', 'ListEventSourceMappings', queue, error);
      }
      out.push(...(page.EventSourceMappings ?? []));
      marker = page.NextMarker;
    } while (marker);
    return out;
  }
}

/** Throttling and a busy mapping pass; other client faults are Lambda saying no to this request. */
const TRANSIENT = new Set(['TooManyRequestsException', 'ThrottlingException', 'ResourceInUseException']);

function isRefusal(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return (cause as { $fault?: unknown } | undefined)?.$fault === 'client' && !TRANSIENT.has(awsErrorName(cause) ?? '');
}

const keyOf = (functionName: string, queue: string) => `${functionName}\u0000${queue}`;

/** `arn:aws:lambda:eu-west-1:123456789012:function:name[:qualifier]` → `name`. */
function functionNameOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[6];
}
