import type { ConfigService } from '@nestjs/config';
import type { SchedulerModuleOptions, StoreOptions } from 'nestjs-scheduler';

/**
 * Where the sample keeps its tasks, from the environment:
 *
 * - nothing set: SQLite in ./data/scheduler.db, so tasks survive a restart;
 * - SCHEDULER_STORE=postgres (or mysql) with DATABASE_URL: a database server;
 * - SCHEDULER_STORE=memory: nothing is kept.
 */
export function storeFromConfig(config: ConfigService): StoreOptions {
  const type = config.get<string>('SCHEDULER_STORE', 'sqlite');
  switch (type) {
    case 'sqlite':
      return { type, database: config.get<string>('SCHEDULER_DB', './data/scheduler.db') };
    case 'postgres':
      return {
        type,
        url: config.get<string>('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test'),
      };
    case 'mysql':
      return { type, url: config.get<string>('DATABASE_URL', 'mysql://root@127.0.0.1:3306/test') };
    case 'memory':
      return { type };
    default:
      throw new Error(
        `SCHEDULER_STORE must be sqlite, postgres, mysql or memory, not ${JSON.stringify(type)}`,
      );
  }
}

/** The sample's scheduler: two queues with their own workers, timeouts and retry policies. */
export function schedulerOptions(config: ConfigService): SchedulerModuleOptions {
  return {
    store: storeFromConfig(config),
    // The dashboard and admin API at /admin/scheduler, for callers on this machine only.
    admin: true,
    maxWorkers: 10,
    queueSize: 1000,
    queues: {
      high_priority: {
        maxSize: 100,
        workers: 5,
        timeout: '30s',
        retryPolicy: { maxRetries: 3, delay: '5s', backoff: 'exponential' },
      },
      low_priority: {
        maxSize: 1000,
        workers: 2,
        timeout: '5m',
        retryPolicy: { maxRetries: 1, delay: '10s', backoff: 'fixed' },
      },
    },
  };
}
