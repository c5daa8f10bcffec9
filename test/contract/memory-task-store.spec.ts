import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';
import { describeTaskStoreContract } from './task-store.contract.js';

describeTaskStoreContract('MemoryTaskStore', async () => ({
  store: new MemoryTaskStore(),
  cleanup: async () => {},
}));
