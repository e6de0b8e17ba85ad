import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { describeEventStoreContract } from '../../contracts/eventStoreContract.js';

describeEventStoreContract('MemoryTaskStore + MemoryEventStore', async ({ clock }) => {
  const store = new MemoryTaskStore(clock);
  return { store, events: store.events, cleanup: async () => {} };
});
