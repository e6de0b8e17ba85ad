import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decideOverlap, type OverlapDecision, type OverlapPolicy } from '../core/schedule/scheduleOverlap.js';
import type { TaskStatus } from '../core/task/TaskRecord.js';
import { awsErrorName, awsRequestFailed } from './awsErrors.js';
import { TASK_TABLE } from './taskTable.js';

/** A firing the overlap policy dropped (kept on the rule's pointer item). */
export interface AwsSkippedFiring {
  /** Due time, ISO-8601. */
  due: string;
  /** When it was dropped, ISO-8601. */
  at: string;
  reason: string;
}

/** How many skipped firings a pointer item keeps (the newest). */
export const AWS_SKIP_LOG_LIMIT = 20;

export interface DynamoScheduleOverlapOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The previous firing's task status (the task store's `get`). */
  statusOf: (taskId: string) => Promise<TaskStatus | undefined>;
  /**
   * How long an admitted firing may run before its task is stored, in ms
   * (the function's timeout): without `trackRunning` a task's first write is
   * its final record, so a pointer whose task is not stored yet counts as
   * running until this long after its admission.
   */
  inFlightMs: number;
}

interface Pointer {
  version: number;
  lastTaskId?: string;
  lastDueMs?: number;
  /** When the pointed-to firing was admitted, epoch ms. */
  admittedAtMs?: number;
  skips: AwsSkippedFiring[];
}

/** What {@link DynamoScheduleOverlap.admit} decided for one firing. */
export type Admission = { admitted: true } | { admitted: false; reason: string };

/**
 * The overlap policy on AWS, where neither EventBridge rules nor Scheduler
 * have one: a pointer item per rule in the task table, under the reserved key
 * `schedule#<process>#<rule>` (task ids are 30 characters of
 * `[A-Za-z0-9_-]`, so no task can collide; it has no `process` attribute, so
 * no task list shows it). It names the task of the rule's latest admitted
 * firing; a firing is admitted by a conditional write on the item's version,
 * so two concurrent firings cannot both pass.
 *
 * Cost per firing: one GetItem of the pointer, one of the previous task (if
 * any), one conditional PutItem. `allow` costs nothing (not called).
 */
export class DynamoScheduleOverlap {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #statusOf: (taskId: string) => Promise<TaskStatus | undefined>;
  readonly #inFlightMs: number;

  constructor(options: DynamoScheduleOverlapOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#statusOf = options.statusOf;
    this.#inFlightMs = options.inFlightMs;
  }

  /** The pointed-to task's status; a task not stored yet is running while its invocation may still be. */
  async #previousStatus(pointer: Pointer, nowMs: number): Promise<TaskStatus | undefined> {
    const status = await this.#statusOf(pointer.lastTaskId!);
    if (status !== undefined) return status;
    return pointer.admittedAtMs !== undefined && nowMs < pointer.admittedAtMs + this.#inFlightMs ? 'running' : undefined;
  }

  /**
   * Decides the firing `taskId` due `dueMs` of `rule` under `policy` (via the
   * core's `decideOverlap`) and records it: admitted, the pointer names it;
   * dropped, the pointer's skip log gains it. A repeated delivery of the
   * admitted firing (Lambda's retries, a duplicate event) is admitted again.
   * `buffer_one` is not implemented on AWS: the firing is skipped, and the
   * reason says so.
   */
  async admit(process: string, rule: string, policy: OverlapPolicy, taskId: string, dueMs: number, nowMs: number): Promise<Admission> {
    const key = `schedule#${process}#${rule}`;
    for (let attempt = 0; ; attempt++) {
      const pointer = await this.#read(key);
      if (pointer?.lastTaskId === taskId) return { admitted: true };
      const previous = pointer?.lastTaskId === undefined ? undefined : { taskId: pointer.lastTaskId, status: await this.#previousStatus(pointer, nowMs) };
      const decision: OverlapDecision = decideOverlap(policy, previous);
      const next: Pointer = { version: (pointer?.version ?? 0) + 1, skips: pointer?.skips ?? [] };
      let outcome: Admission;
      if (decision.action === 'fire') {
        // A late older firing does not move the pointer back.
        const newer = pointer?.lastDueMs === undefined || dueMs >= pointer.lastDueMs;
        if (newer) Object.assign(next, { lastTaskId: taskId, lastDueMs: dueMs, admittedAtMs: nowMs });
        else Object.assign(next, pick(pointer));
        outcome = { admitted: true };
      } else {
        const reason = decision.action === 'buffer' ? `${decision.reason} (buffer_one is not implemented on AWS: skipped)` : decision.reason;
        Object.assign(next, pick(pointer));
        next.skips = [...next.skips, { due: new Date(dueMs).toISOString(), at: new Date(nowMs).toISOString(), reason }].slice(-AWS_SKIP_LOG_LIMIT);
        outcome = { admitted: false, reason };
      }
      if (await this.#write(key, next, pointer?.version)) return outcome;
      // Another firing of this rule wrote first: decide again on what it wrote.
      if (attempt >= 4) throw new Error(`schedule '${rule}' of '${process}': the overlap pointer kept changing; giving up this firing`);
    }
  }

  /** The rule's skipped firings, newest first. */
  async skipped(process: string, rule: string): Promise<AwsSkippedFiring[]> {
    return [...((await this.#read(`schedule#${process}#${rule}`))?.skips ?? [])].reverse();
  }

  async #read(key: string): Promise<Pointer | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      ({ Item: item } = await this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: { [TASK_TABLE.partitionKey]: { S: key } }, ConsistentRead: true })));
    } catch (error) {
      throw awsRequestFailed('DynamoDB', 'GetItem', this.#tableName, error);
    }
    if (!item) return undefined;
    return {
      version: Number(item.ver?.N ?? '0'),
      ...(item.lastTaskId?.S !== undefined ? { lastTaskId: item.lastTaskId.S } : {}),
      ...(item.lastDueMs?.N !== undefined ? { lastDueMs: Number(item.lastDueMs.N) } : {}),
      ...(item.admittedAtMs?.N !== undefined ? { admittedAtMs: Number(item.admittedAtMs.N) } : {}),
      skips: item.skips?.S !== undefined ? (JSON.parse(item.skips.S) as AwsSkippedFiring[]) : [],
    };
  }

  /** Writes the pointer if its version is still `expected`; false when another writer came first. */
  async #write(key: string, pointer: Pointer, expected: number | undefined): Promise<boolean> {
    const item: Record<string, AttributeValue> = {
      [TASK_TABLE.partitionKey]: { S: key },
      ver: { N: String(pointer.version) },
      skips: { S: JSON.stringify(pointer.skips) },
    };
    if (pointer.lastTaskId !== undefined) item.lastTaskId = { S: pointer.lastTaskId };
    if (pointer.lastDueMs !== undefined) item.lastDueMs = { N: String(pointer.lastDueMs) };
    if (pointer.admittedAtMs !== undefined) item.admittedAtMs = { N: String(pointer.admittedAtMs) };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: item,
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TASK_TABLE.partitionKey } }
            : { ConditionExpression: '#ver = :ver', ExpressionAttributeNames: { '#ver': 'ver' }, ExpressionAttributeValues: { ':ver': { N: String(expected) } } }),
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw awsRequestFailed('DynamoDB', 'PutItem', this.#tableName, error);
    }
  }
}

/** The pointed-to firing of `pointer`, to carry over unchanged. */
function pick(pointer: Pointer | undefined): Partial<Pointer> {
  if (!pointer) return {};
  const { lastTaskId, lastDueMs, admittedAtMs } = pointer;
  return { ...(lastTaskId !== undefined ? { lastTaskId } : {}), ...(lastDueMs !== undefined ? { lastDueMs } : {}), ...(admittedAtMs !== undefined ? { admittedAtMs } : {}) };
}
