import type { FunctionConfig } from '../config/serverlessConfig.js';
import { isPlainObject } from '../config/VariableResolver.js';

/** Logical id of the role the Serverless Framework shares between functions without their own. */
const DEFAULT_ROLE = 'IamRoleLambdaExecution';

/**
 * The Serverless Framework grants its shared default role
 * (`IamRoleLambdaExecution`) `sqs:ReceiveMessage`/`DeleteMessage`/
 * `GetQueueAttributes` on the queue of every `sqs` event of every function,
 * even functions that have their own role. With Sluice processes on their
 * own roles, that would let plain (`sluice: false`) functions consume the
 * task queues. Keeps only the queues of functions that do use the default
 * role, and drops the statement when none is left.
 *
 * Run after `package:compileEvents` (where the framework adds the statement).
 * Mutates `resources` (the compiled template's `Resources`).
 */
export function pruneDefaultRoleQueues(resources: Record<string, unknown>, functions: Record<string, FunctionConfig>): void {
  const role = resources[DEFAULT_ROLE];
  if (!isPlainObject(role) || !isPlainObject(role.Properties) || !Array.isArray(role.Properties.Policies)) return;

  const allowed = new Set<string>();
  for (const fn of Object.values(functions)) {
    if (fn.role !== undefined) continue;
    for (const event of fn.events ?? []) {
      if (!isPlainObject(event) || event.sqs === undefined) continue;
      const arn = typeof event.sqs === 'string' ? event.sqs : isPlainObject(event.sqs) ? event.sqs.arn : undefined;
      allowed.add(JSON.stringify(arn));
    }
  }

  for (const policy of role.Properties.Policies as unknown[]) {
    if (!isPlainObject(policy) || !isPlainObject(policy.PolicyDocument) || !Array.isArray(policy.PolicyDocument.Statement)) continue;
    policy.PolicyDocument.Statement = (policy.PolicyDocument.Statement as unknown[]).flatMap((statement) => {
      if (!isPlainObject(statement) || !Array.isArray(statement.Action) || !statement.Action.includes('sqs:ReceiveMessage')) {
        return [statement];
      }
      const kept = asArray(statement.Resource).filter((resource) => allowed.has(JSON.stringify(resource)));
      return kept.length > 0 ? [{ ...statement, Resource: kept }] : [];
    });
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}
