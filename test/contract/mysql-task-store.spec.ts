import { TypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import { isolatedMysql } from '../utils/sql-isolation.js';
import { describeTaskStoreContract } from './task-store.contract.js';

// Each test gets a table prefix of its own; an unreachable server fails every test.
describeTaskStoreContract(
  'TypeOrmTaskStore on MySQL/MariaDB',
  async () => {
    const db = isolatedMysql();
    return {
      store: new TypeOrmTaskStore(db.options),
      reopen: async () => new TypeOrmTaskStore(db.options),
      cleanup: db.drop,
    };
  },
  { durable: true },
);
