import { TypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import { isolatedSqliteFile } from '../utils/sql-isolation.js';
import { describeTaskStoreContract } from './task-store.contract.js';

describeTaskStoreContract(
  'TypeOrmTaskStore on a SQLite file',
  async () => {
    const db = isolatedSqliteFile();
    return {
      store: new TypeOrmTaskStore(db.options),
      reopen: async () => new TypeOrmTaskStore(db.options),
      cleanup: db.drop,
    };
  },
  { durable: true },
);

describeTaskStoreContract('TypeOrmTaskStore on SQLite :memory:', async () => ({
  store: new TypeOrmTaskStore({ type: 'sqlite', database: ':memory:' }),
  cleanup: async () => {},
}));
