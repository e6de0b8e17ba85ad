import {
  DeleteRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { SluiceError, ValidationError } from '../core/errors.js';
import { issuesOf } from '../core/validationIssues.js';
import { awsErrorName, awsRequestFailed } from './awsErrors.js';

/** A scheduled rule on the default event bus that invokes one Lambda function. */
export interface ScheduledRule {
  /** 1..64 characters of `[.\-_A-Za-z0-9]`. */
  name: string;
  /** EventBridge syntax, UTC: `cron(0 12 * * ? *)` or `rate(5 minutes)`. */
  scheduleExpression: string;
  enabled: boolean;
  description?: string;
  /** ARN of the Lambda function to invoke. Its resource policy must allow `events.amazonaws.com` for this rule. */
  targetArn: string;
  /** The constant event the function receives (JSON, at most 8192 characters serialized). */
  input: unknown;
}

/** A scheduled rule as listed. */
export interface ListedScheduledRule {
  name: string;
  arn: string;
  scheduleExpression: string;
  enabled: boolean;
  description?: string;
}

export interface EventBridgeSchedulerOptions {
  /** Created once per container by the caller. */
  client: Pick<EventBridgeClient, 'send'>;
  /**
   * The id of the rule's (single) target.
   * @default 'sluice'
   */
  targetId?: string;
}

const RuleSchema = z.object({
  name: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/, 'must be 1-64 characters of letters, digits, ".", "-" or "_"'),
  scheduleExpression: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be cron(...) or rate(...)').max(256),
  enabled: z.boolean(),
  description: z.string().max(512).optional(),
  targetArn: z.string().regex(/^arn:aws[a-z-]*:lambda:/, 'must be a Lambda function ARN'),
  input: z.unknown(),
});

/** EventBridge's limit on a target's constant `Input`. */
const MAX_INPUT_CHARS = 8192;

function validateRule(rule: ScheduledRule): { rule: ScheduledRule; input: string } {
  const parsed = RuleSchema.safeParse(rule);
  const issues = parsed.success ? [] : issuesOf(parsed.error);
  const input = JSON.stringify(rule.input ?? null);
  if (input.length > MAX_INPUT_CHARS) issues.push({ path: 'input', message: `serializes to ${input.length} characters; the limit is ${MAX_INPUT_CHARS}` });
  if (issues.length > 0) throw new ValidationError(`invalid scheduled rule '${String(rule.name)}'`, issues);
  return { rule, input };
}

/**
 * Creates, updates, deletes and lists EventBridge scheduled rules whose
 * target is a Lambda function, so schedules can be managed at run time.
 *
 * `put` is an upsert (PutRule + PutTargets both replace). `delete` removes
 * the rule's targets first, as EventBridge requires.
 */
export class EventBridgeScheduler {
  private readonly client: Pick<EventBridgeClient, 'send'>;
  private readonly targetId: string;

  constructor(options: EventBridgeSchedulerOptions) {
    this.client = options.client;
    this.targetId = options.targetId ?? 'sluice';
  }

  /** Creates or updates the rule and its target. */
  async put(scheduled: ScheduledRule): Promise<{ ruleArn: string }> {
    const { rule, input } = validateRule(scheduled);
    let ruleArn: string | undefined;
    try {
      const out = await this.client.send(
        new PutRuleCommand({
          Name: rule.name,
          ScheduleExpression: rule.scheduleExpression,
          State: rule.enabled ? 'ENABLED' : 'DISABLED',
          Description: rule.description,
        }),
      );
      ruleArn = out.RuleArn;
    } catch (error) {
      throw awsRequestFailed('EventBridge', 'PutRule', rule.name, error);
    }
    if (!ruleArn) throw new SluiceError(`EventBridge PutRule '${rule.name}' returned no RuleArn`);
    let failed;
    try {
      const out = await this.client.send(
        new PutTargetsCommand({ Rule: rule.name, Targets: [{ Id: this.targetId, Arn: rule.targetArn, Input: input }] }),
      );
      failed = out.FailedEntryCount ? out.FailedEntries?.[0] : undefined;
    } catch (error) {
      throw awsRequestFailed('EventBridge', 'PutTargets', rule.name, error);
    }
    if (failed) throw new SluiceError(`EventBridge PutTargets on '${rule.name}' failed: ${failed.ErrorCode ?? ''} ${failed.ErrorMessage ?? ''}`.trim());
    return { ruleArn };
  }

  /** Deletes the rule and its targets; `deleted: false` when there was no such rule. */
  async delete(name: string): Promise<{ deleted: boolean }> {
    try {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(new ListTargetsByRuleCommand({ Rule: name, NextToken: nextToken }));
        for (const target of page.Targets ?? []) if (target.Id) ids.push(target.Id);
        nextToken = page.NextToken;
      } while (nextToken);
      // RemoveTargets takes at most 100 ids.
      for (let i = 0; i < ids.length; i += 100) {
        const out = await this.client.send(new RemoveTargetsCommand({ Rule: name, Ids: ids.slice(i, i + 100) }));
        const failed = out.FailedEntryCount ? out.FailedEntries?.[0] : undefined;
        if (failed) throw new SluiceError(`EventBridge RemoveTargets on '${name}' failed: ${failed.ErrorCode ?? ''} ${failed.ErrorMessage ?? ''}`.trim());
      }
      await this.client.send(new DeleteRuleCommand({ Name: name }));
      return { deleted: true };
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return { deleted: false };
      if (error instanceof SluiceError) throw error;
      throw awsRequestFailed('EventBridge', 'DeleteRule', name, error);
    }
  }

  /** The scheduled rules whose names start with `namePrefix` (rules with an event pattern are left out). */
  async list(namePrefix: string): Promise<ListedScheduledRule[]> {
    const rules: ListedScheduledRule[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListRulesCommand({ NamePrefix: namePrefix || undefined, NextToken: nextToken, Limit: 100 }));
        for (const rule of page.Rules ?? []) {
          if (!rule.Name || !rule.Arn || !rule.ScheduleExpression) continue;
          rules.push({
            name: rule.Name,
            arn: rule.Arn,
            scheduleExpression: rule.ScheduleExpression,
            enabled: rule.State === 'ENABLED',
            ...(rule.Description ? { description: rule.Description } : {}),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw awsRequestFailed('EventBridge', 'ListRules', namePrefix, error);
    }
    return rules;
  }
}
