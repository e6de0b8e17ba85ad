import { afterAll, beforeAll } from 'vitest';
import { DynamoTriggerRegistry } from '../../lib/aws/DynamoTriggerRegistry.js';
import { describeTriggerRegistryContract } from '../contracts/triggerRegistryContract.js';
import { createTriggerTable, deleteTable } from '../setup/awsResources.js';
import { createDynamoClient, uniqueName } from './awsTestEnv.js';

// One table for the suite (records are isolated by their ids), deleted after it.
const client = createDynamoClient();
const tableName = uniqueName('triggers');
beforeAll(async () => {
  await createTriggerTable(client, tableName);
});
afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
});

describeTriggerRegistryContract('DynamoTriggerRegistry on DynamoDB Local', () => new DynamoTriggerRegistry({ client, tableName }));
