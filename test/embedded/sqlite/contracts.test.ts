import { afterAll } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../../lib/embedded/sqlite/openDatabase.js';
import { SqliteMessageQueue } from '../../../lib/embedded/sqlite/SqliteMessageQueue.js';
import { SqliteTaskDispatcher } from '../../../lib/embedded/sqlite/SqliteTaskDispatcher.js';
import { SqliteTaskStore } from '../../../lib/embedded/sqlite/SqliteTaskStore.js';
import { describeMessageQueueContract } from '../../contracts/messageQueueContract.js';
import { describeTaskDispatcherContract } from '../../contracts/taskDispatcherContract.js';
import { describeTaskStoreContract } from '../../contracts/taskStoreContract.js';
import { tempDir } from './tempDir.js';
import { EmbeddedStorage } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import { describeEventStoreContract } from '../../contracts/eventStoreContract.js';
import { SqliteTriggerRegistry } from '../../../lib/embedded/sqlite/SqliteTriggerRegistry.js';
import { describeTriggerRegistryContract } from '../../contracts/triggerRegistryContract.js';

// File databases (WAL) in a temp dir, on the system clock: the real configuration.

describeTaskStoreContract('SqliteTaskStore', async () => {
  const dir = tempDir('store');
  const db = openDatabase(join(dir.path, 'sluice.db'));
  return {
    store: new SqliteTaskStore(db),
    async cleanup() {
      db.close();
      dir.remove();
    },
  };
});

describeMessageQueueContract('SqliteMessageQueue', async () => {
  const dir = tempDir('queue');
  const db = openDatabase(join(dir.path, 'sluice.db'));
  const queue = new SqliteMessageQueue(db);
  return {
    queue,
    async declare(specs) {
      queue.declare(specs);
    },
    async cleanup() {
      queue.close();
      db.close();
      dir.remove();
    },
  };
});

describeTaskDispatcherContract('SqliteTaskDispatcher', async () => {
  const dir = tempDir('dispatcher');
  const db = openDatabase(join(dir.path, 'sluice.db'));
  const store = new SqliteTaskStore(db);
  const queue = new SqliteMessageQueue(db);
  const queueName = 'sluice-tasks-contract';
  queue.declare([{ name: queueName, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600 }]);
  return {
    dispatcher: new SqliteTaskDispatcher(db, store, queue),
    store,
    queue,
    queueName,
    async cleanup() {
      queue.close();
      db.close();
      dir.remove();
    },
  };
});

// One database for the suite (records are isolated by their ids), removed after it.
const triggersDir = tempDir('triggers');
const triggersDb = openDatabase(join(triggersDir.path, 'sluice.db'));
afterAll(() => {
  triggersDb.close();
  triggersDir.remove();
});
describeTriggerRegistryContract('SqliteTriggerRegistry', () => new SqliteTriggerRegistry(triggersDb));

describeEventStoreContract('EmbeddedStorage (SqliteTaskStore + SqliteEventStore)', async ({ clock }) => {
  const dir = tempDir('events');
  const storage = EmbeddedStorage.open({ dataDir: join(dir.path, 'data'), clock });
  return {
    store: storage.tasks,
    events: storage.events,
    async cleanup() {
      storage.close();
      dir.remove();
    },
  };
});
