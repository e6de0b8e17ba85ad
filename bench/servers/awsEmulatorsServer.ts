/**
 * DynamoDB Local (and fauxqs) in a process of their own, for benchmarks of
 * the AWS code path: the emulators' relay must not share the load
 * generator's event loop. Creates the task table, prints
 * `READY {"dynamodbEndpoint":...}` and serves until SIGTERM / SIGINT.
 *
 *   node --import tsx bench/servers/awsEmulatorsServer.ts --table <name>
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseArgs } from 'node:util';
import { startAwsEmulators } from '../../test/setup/awsEmulators.js';
import { createTaskTable } from '../../test/setup/awsResources.js';

const { values } = parseArgs({ options: { table: { type: 'string' } }, strict: true });
if (!values.table) throw new Error('--table <name> is required');

// Handlers first: a stop requested during start-up (the JVM takes seconds) must still clean up
// (startAwsEmulators removes what it made when it fails, and stop() does once it has started).
const starting = startAwsEmulators();
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void starting
    .then((emulators) => emulators.stop())
    .catch(() => undefined)
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const emulators = await starting;
if (!stopping) {
  const client = new DynamoDBClient({ endpoint: emulators.dynamodbEndpoint, region: emulators.region, credentials: emulators.credentials });
  await createTaskTable(client, values.table);
  client.destroy();
  const { region, dynamodbEndpoint, sqsEndpoint, credentials } = emulators;
  process.stdout.write(`READY ${JSON.stringify({ region, dynamodbEndpoint, sqsEndpoint, credentials })}\n`);
}
