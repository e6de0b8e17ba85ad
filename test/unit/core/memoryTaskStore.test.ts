import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { describeTaskStoreContract } from '../../contracts/taskStoreContract.js';

describeTaskStoreContract('MemoryTaskStore', async () => ({ store: new MemoryTaskStore(), cleanup: async () => {} }));
