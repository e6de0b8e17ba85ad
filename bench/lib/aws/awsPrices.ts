/**
 * us-east-1 unit prices (USD), from /work/shared/reference/aws-facts.md §1
 * (no free tier), and what one task costs from its counted requests.
 */

export const US_EAST_1 = {
  /** Lambda, per request. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda, per GB-second, by architecture (1 ms billing). */
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 } as Record<string, number>,
  /** API Gateway HTTP API, per request (metered per 512 KB). */
  httpApiRequest: 1.0 / 1e6,
  /** SQS standard queue, per request (each 64 KB chunk of a payload is one request). */
  sqsRequest: 0.4 / 1e6,
  /** DynamoDB on demand, per write request unit. */
  dynamoWru: 0.625 / 1e6,
  /** DynamoDB on demand, per read request unit. */
  dynamoRru: 0.125 / 1e6,
} as const;

export const SQS_BILLING_CHUNK_BYTES = 64 * 1024;

/** What one task uses, in billed units. */
export interface TaskUsage {
  httpApiRequests: number;
  /** Invocations per task, by function, with that function's billed INIT when it starts cold. */
  lambda: Array<{ fn: string; invocations: number; initMs: number }>;
  /** Billed SQS requests (64 KB chunks), whoever sends them: Sluice, the producer, the event source mapping. */
  sqsRequests: number;
  writeUnits: number;
  readUnits: number;
}

export interface LambdaAssumptions {
  memoryMb: number;
  architecture: string;
  /** Billed duration of every invocation. */
  durationMs: number;
  /** Share of invocations that are cold starts (their INIT is billed since Aug 2025). */
  coldShare: number;
}

export interface CostLine {
  item: string;
  /** USD per million tasks. */
  perMillion: number;
}

/** USD per million tasks, item by item. */
export function costPerMillionTasks(usage: TaskUsage, lambda: LambdaAssumptions): CostLine[] {
  const gbSecond = US_EAST_1.lambdaGbSecond[lambda.architecture];
  if (gbSecond === undefined) throw new Error(`no Lambda price for architecture ${lambda.architecture}`);
  const gb = lambda.memoryMb / 1024;
  const million = 1e6;
  const invocations = usage.lambda.reduce((sum, l) => sum + l.invocations, 0);
  const initSeconds = usage.lambda.reduce((sum, l) => sum + l.invocations * lambda.coldShare * (l.initMs / 1000), 0);
  return [
    { item: 'API Gateway HTTP API requests', perMillion: usage.httpApiRequests * US_EAST_1.httpApiRequest * million },
    { item: 'Lambda requests', perMillion: invocations * US_EAST_1.lambdaRequest * million },
    { item: 'Lambda duration (GB-s)', perMillion: invocations * gb * (lambda.durationMs / 1000) * gbSecond * million },
    { item: 'Lambda INIT of cold starts (GB-s)', perMillion: initSeconds * gb * gbSecond * million },
    { item: 'SQS requests', perMillion: usage.sqsRequests * US_EAST_1.sqsRequest * million },
    { item: 'DynamoDB write request units', perMillion: usage.writeUnits * US_EAST_1.dynamoWru * million },
    { item: 'DynamoDB read request units', perMillion: usage.readUnits * US_EAST_1.dynamoRru * million },
  ];
}
