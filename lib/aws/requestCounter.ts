/**
 * Counts AWS SDK requests per service and operation, and sums DynamoDB
 * `ConsumedCapacity`, so a benchmark can report "AWS requests per task" and
 * "write units per task".
 *
 * The counting middleware sits in the `finalizeRequest` step at low priority,
 * i.e. inside the SDK's retry loop: every attempt is counted, as AWS bills
 * it. Capacity is only reported when requests ask for it
 * (`DynamoTaskStore`'s `returnConsumedCapacity: true`). A write that fails
 * its condition still costs a write unit but reports no capacity.
 */

type Handler = (args: { input: unknown }) => Promise<{ output: unknown }>;
type CountingMiddleware = (next: Handler, context: { clientName?: string; commandName?: string }) => Handler;

/** The part of an SDK client's `middlewareStack` we use (any v3 client has it). */
export interface MiddlewareStackLike {
  // Loose on purpose: each client's stack is generic over its own command types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  add(middleware: any, options: { step: 'finalizeRequest'; priority: 'low'; name: string; override: boolean }): void;
}

export interface RequestCounts {
  /** Attempts sent, by `Service.Operation`, e.g. `{ 'DynamoDB.PutItem': 3, 'SQS.SendMessage': 3 }`. */
  requests: Record<string, number>;
  /** Sum of all requests. */
  totalRequests: number;
  /** DynamoDB read capacity units consumed (reads, queries). */
  readUnits: number;
  /** DynamoDB write capacity units consumed (puts, updates, deletes). */
  writeUnits: number;
}

export interface RequestCounter {
  /** Adds the counting middleware to a client; returns the client. Attaching twice does not double-count. */
  attach<C extends { middlewareStack: MiddlewareStackLike }>(client: C): C;
  snapshot(): RequestCounts;
  reset(): void;
}

interface CapacityLike {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const WRITE_OPERATION = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

let counters = 0;

/** @example const counter = createRequestCounter(); counter.attach(dynamoClient); ... counter.snapshot() */
export function createRequestCounter(): RequestCounter {
  // One middleware name per counter: re-attaching replaces it, another counter adds its own.
  const name = `sluiceRequestCounter${++counters}`;
  const requests = new Map<string, number>();
  let readUnits = 0;
  let writeUnits = 0;

  const addCapacity = (operation: string, consumed: CapacityLike) => {
    const isWrite = WRITE_OPERATION.test(operation);
    const read = consumed.ReadCapacityUnits ?? (isWrite ? 0 : (consumed.CapacityUnits ?? 0));
    const write = consumed.WriteCapacityUnits ?? (isWrite ? (consumed.CapacityUnits ?? 0) : 0);
    readUnits += read;
    writeUnits += write;
  };

  const middleware: CountingMiddleware = (next, context) => async (args) => {
    const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const key = `${service}.${operation}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const result = await next(args);
    const consumed = (result.output as { ConsumedCapacity?: CapacityLike | CapacityLike[] } | undefined)?.ConsumedCapacity;
    for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) addCapacity(operation, entry);
    return result;
  };

  return {
    attach(client) {
      client.middlewareStack.add(middleware, { step: 'finalizeRequest', priority: 'low', name, override: true });
      return client;
    },
    snapshot() {
      const counts = Object.fromEntries([...requests].sort(([a], [b]) => (a < b ? -1 : 1)));
      return { requests: counts, totalRequests: [...requests.values()].reduce((a, b) => a + b, 0), readUnits, writeUnits };
    },
    reset() {
      requests.clear();
      readUnits = 0;
      writeUnits = 0;
    },
  };
}
