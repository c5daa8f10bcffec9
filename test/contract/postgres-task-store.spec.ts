import { TypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import { isolatedPostgres } from '../utils/sql-isolation.js';
import { describeTaskStoreContract } from './task-store.contract.js';

// Each test gets a schema of its own; an unreachable server fails every test.
describeTaskStoreContract(
  'TypeOrmTaskStore on PostgreSQL',
  async () => {
    const db = isolatedPostgres();
    return {
      store: new TypeOrmTaskStore(db.options),
      reopen: async () => new TypeOrmTaskStore(db.options),
      cleanup: db.drop,
    };
  },
  { durable: true },
);
