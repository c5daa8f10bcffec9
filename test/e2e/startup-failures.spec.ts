import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, Scope, type DynamicModule } from '@nestjs/common';
import {
  Cron,
  Delayed,
  DuplicateNameError,
  InvalidQueueConfigError,
  Recurring,
  SchedulerConfigurationError,
  SchedulerModule,
  Task,
  type TaskHandler,
} from 'nestjs-scheduler';
import { bootFailure, closeApps } from './nest-app.js';

afterEach(closeApps);

const scheduler = (options = {}) => SchedulerModule.forRoot({ logger: false, ...options });

describe('handlers that cannot run outside a request', () => {
  @Task()
  @Injectable({ scope: Scope.REQUEST })
  class PerRequestTask implements TaskHandler {
    execute(): void {}
  }

  @Injectable({ scope: Scope.REQUEST })
  class PerRequestReport {
    @Cron('0 * * * *')
    hourly(): void {}
  }

  @Injectable({ scope: Scope.REQUEST })
  class RequestContext {}

  @Task()
  @Injectable()
  class AuditTask implements TaskHandler {
    constructor(readonly context: RequestContext) {}
    execute(): void {}
  }

  @Task()
  @Injectable({ scope: Scope.TRANSIENT })
  class TransientTask implements TaskHandler {
    execute(): void {}
  }

  it('refuses a request-scoped @Task class, naming it and saying why', async () => {
    const error = await bootFailure({ imports: [scheduler()], providers: [PerRequestTask] });
    expect(error).toBeInstanceOf(SchedulerConfigurationError);
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    expect(error.message).toContain(
      'PerRequestTask is a task handler, but PerRequestTask is request-scoped',
    );
    expect(error.message).toContain('Task handlers run outside any request');
  });

  it('refuses a decorated method of a request-scoped provider, naming the method', async () => {
    const error = await bootFailure({ imports: [scheduler()], providers: [PerRequestReport] });
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    expect(error.message).toContain('PerRequestReport.hourly is a task handler');
    expect(error.message).toContain('request-scoped');
  });

  it('refuses a singleton handler that depends on a request-scoped provider, naming both', async () => {
    const error = await bootFailure({
      imports: [scheduler()],
      providers: [AuditTask, RequestContext],
    });
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    expect(error.message).toContain('AuditTask');
    expect(error.message).toContain('depends on a request-scoped provider (RequestContext)');
  });

  it('refuses a transient handler, naming it', async () => {
    const error = await bootFailure({ imports: [scheduler()], providers: [TransientTask] });
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    expect(error.message).toContain(
      'TransientTask is a task handler, but TransientTask is transient',
    );
  });
});

describe('duplicate task names', () => {
  @Task('sync')
  class SyncUsersTask implements TaskHandler {
    execute(): void {}
  }

  @Task('sync')
  class SyncOrdersTask implements TaskHandler {
    execute(): void {}
  }

  @Injectable()
  class SyncService {
    @Task('sync')
    run(): void {}
  }

  it('refuses two classes with the same task name, naming both providers', async () => {
    const error = await bootFailure({
      imports: [scheduler()],
      providers: [SyncUsersTask, SyncOrdersTask],
    });
    expect(error).toBeInstanceOf(DuplicateNameError);
    expect(error).toMatchObject({ code: 'DUPLICATE_NAME' });
    expect(error.message).toMatch(/Duplicate task name "sync"/);
    expect(error.message).toMatch(/provider SyncUsersTask .*provider SyncOrdersTask/);
  });

  it('refuses a class and a method with the same task name, naming both', async () => {
    const error = await bootFailure({
      imports: [scheduler()],
      providers: [SyncUsersTask, SyncService],
    });
    expect(error).toMatchObject({ code: 'DUPLICATE_NAME' });
    expect(error.message).toContain('provider SyncUsersTask');
    expect(error.message).toContain('method SyncService.run');
  });

  @Module({ providers: [SyncUsersTask] })
  class UsersModule {}

  @Module({ providers: [SyncUsersTask] })
  class AccountsModule {}

  it('refuses the same handler class provided in two modules, naming both modules', async () => {
    const error = await bootFailure({ imports: [scheduler(), UsersModule, AccountsModule] });
    expect(error).toMatchObject({ code: 'DUPLICATE_NAME' });
    expect(error.message).toContain('provider SyncUsersTask in UsersModule');
    expect(error.message).toContain('provider SyncUsersTask in AccountsModule');
  });

  @Injectable()
  class BillingService {
    @Task()
    @Cron('0 0 * * *', { name: 'nightly' })
    bill(): void {}
  }

  @Injectable()
  class ReportingService {
    @Task()
    @Recurring('1h', { name: 'nightly' })
    report(): void {}
  }

  it('refuses two handlers declaring schedules with the same name, naming both', async () => {
    const error = await bootFailure({
      imports: [scheduler()],
      providers: [BillingService, ReportingService],
    });
    expect(error).toBeInstanceOf(DuplicateNameError);
    expect(error.message).toMatch(/Duplicate schedule name "nightly"/);
    expect(error.message).toContain('BillingService.bill');
    expect(error.message).toContain('ReportingService.report');
  });
});

@Task()
@Delayed('1m', { name: 'warm-up' })
class WarmCacheTask implements TaskHandler {
  execute(): void {}
}

@Task()
@Delayed('2m', { name: 'warm-up' })
class WarmIndexTask implements TaskHandler {
  execute(): void {}
}

describe('duplicate @Delayed names', () => {
  it('refuses two @Delayed with the same name, which would otherwise run only once', async () => {
    const error = await bootFailure({
      imports: [scheduler()],
      providers: [WarmCacheTask, WarmIndexTask],
    });
    expect(error).toMatchObject({ code: 'DUPLICATE_NAME' });
    expect(error.message).toBe(
      'Duplicate schedule name "warm-up": declared by WarmCacheTask and by WarmIndexTask.',
    );
  });
});

describe('a second SchedulerModule.forRoot()', () => {
  @Module({ imports: [scheduler()] })
  class OrdersModule {}

  @Module({ imports: [scheduler({ maxWorkers: 2 })] })
  class InvoicesModule {}

  @Module({ imports: [scheduler()] })
  class ShippingModule {}

  it('fails startup naming the modules that import it, when their options differ', async () => {
    const error = await bootFailure({ imports: [OrdersModule, InvoicesModule] });
    expect(error).toBeInstanceOf(SchedulerConfigurationError);
    expect(error.message).toContain(
      'SchedulerModule.forRoot() is imported 2 times (by OrdersModule, InvoicesModule)',
    );
    expect(error.message).toContain('Import it once, in the root module');
  });

  it('names the importers when one import is forRootAsync inside a dynamic module', async () => {
    @Module({})
    class PlatformModule {
      static register(): DynamicModule {
        return {
          module: PlatformModule,
          imports: [SchedulerModule.forRootAsync({ useFactory: () => ({ logger: false }) })],
        };
      }
    }

    const error = await bootFailure({
      imports: [scheduler({ isGlobal: false }), PlatformModule.register()],
    });
    expect(error.message).toContain('imported 2 times (by RootTestModule, PlatformModule)');
  });

  it('fails startup even when both imports have the same options', async () => {
    const error = await bootFailure({ imports: [OrdersModule, ShippingModule] });
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    expect(error.message).toMatch(
      /\(by (OrdersModule, ShippingModule|ShippingModule, OrdersModule)\)/,
    );
  });
});

describe('bad decorator arguments', () => {
  @Injectable()
  class BadCronService {
    @Cron('61 * * * *')
    everyHour(): void {}
  }

  @Recurring('0s')
  class ZeroIntervalTask implements TaskHandler {
    execute(): void {}
  }

  @Injectable()
  class SoonService {
    @Recurring('soon')
    poll(): void {}
  }

  @Injectable()
  class NegativeDelayService {
    @Delayed(-5)
    warmUp(): void {}
  }

  @Delayed('later')
  class LaterTask implements TaskHandler {
    execute(): void {}
  }

  @Task()
  class NoExecuteTask {
    run(): void {}
  }

  @Cron('0 * * * *')
  class NoExecuteCron {}

  @Task({ queue: 'missing' })
  class MissingQueueTask implements TaskHandler {
    execute(): void {}
  }

  @Injectable()
  class MissingQueueCron {
    @Cron('0 * * * *', { queue: 'nowhere' })
    hourly(): void {}
  }

  it('refuses an invalid cron expression, naming the class, method and expression', async () => {
    const error = await bootFailure({ imports: [scheduler()], providers: [BadCronService] });
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    expect(error.message).toContain('BadCronService.everyHour');
    expect(error.message).toContain('"61 * * * *"');
    expect((error.cause as { code?: string }).code).toBe('INVALID_CRON_EXPRESSION');
  });

  it('refuses a zero or unreadable @Recurring interval, naming where it is', async () => {
    const zero = await bootFailure({ imports: [scheduler()], providers: [ZeroIntervalTask] });
    expect(zero).toMatchObject({ code: 'CONFIGURATION' });
    expect(zero.message).toContain('ZeroIntervalTask');
    expect(zero.message).toContain('"0s"');
    await closeApps();
    const soon = await bootFailure({ imports: [scheduler()], providers: [SoonService] });
    expect(soon.message).toContain('SoonService.poll');
    expect(soon.message).toContain('"soon"');
    expect((soon.cause as { code?: string }).code).toBe('INVALID_DURATION');
  });

  it('refuses a negative or unreadable @Delayed delay, naming where it is', async () => {
    const negative = await bootFailure({
      imports: [scheduler()],
      providers: [NegativeDelayService],
    });
    expect(negative).toMatchObject({ code: 'CONFIGURATION' });
    expect(negative.message).toContain('NegativeDelayService.warmUp');
    expect(negative.message).toContain('-5');
    await closeApps();
    const later = await bootFailure({ imports: [scheduler()], providers: [LaterTask] });
    expect(later.message).toContain('LaterTask');
    expect(later.message).toContain('"later"');
  });

  it('refuses a decorated class without execute(), naming it', async () => {
    const task = await bootFailure({ imports: [scheduler()], providers: [NoExecuteTask] });
    expect(task).toBeInstanceOf(SchedulerConfigurationError);
    expect(task.message).toContain('NoExecuteTask is decorated as a task but has no execute');
    await closeApps();
    const cron = await bootFailure({ imports: [scheduler()], providers: [NoExecuteCron] });
    expect(cron.message).toContain('NoExecuteCron is decorated as a task but has no execute');
  });

  it('refuses @Task with an unknown queue, naming the class and the queue', async () => {
    const error = await bootFailure({
      imports: [scheduler({ queues: { mail: {} } })],
      providers: [MissingQueueTask],
    });
    expect(error.message).toContain('MissingQueueTask');
    expect(error.message).toContain('"missing"');
    expect(error.message).toContain('known queues: "default", "mail"');
  });

  it('refuses a schedule in an unknown queue, naming the method and the queue', async () => {
    const error = await bootFailure({ imports: [scheduler()], providers: [MissingQueueCron] });
    expect(error.message).toContain('MissingQueueCron.hourly');
    expect(error.message).toContain('Unknown queue "nowhere"');
  });
});

describe('bad module options', () => {
  it('refuses a queue with zero workers, naming the queue, the field and the value', async () => {
    const error = await bootFailure({
      imports: [scheduler({ queues: { fast: { workers: 0 } } })],
    });
    expect(error).toBeInstanceOf(InvalidQueueConfigError);
    expect(error).toMatchObject({ code: 'INVALID_QUEUE_CONFIG', queue: 'fast', field: 'workers' });
    expect(error.message).toContain('queue "fast": workers is 0');
  });

  it('refuses an unknown backoff or a bad retry delay in a queue', async () => {
    const backoff = await bootFailure({
      imports: [scheduler({ queues: { slow: { retryPolicy: { backoff: 'random' as never } } } })],
    });
    expect(backoff).toMatchObject({ code: 'INVALID_QUEUE_CONFIG', field: 'retryPolicy.backoff' });
    expect(backoff.message).toContain('"random"');
    await closeApps();
    const delay = await bootFailure({
      imports: [scheduler({ queues: { slow: { retryPolicy: { delay: '5 minutes' } } } })],
    });
    expect(delay).toMatchObject({ code: 'INVALID_QUEUE_CONFIG', field: 'retryPolicy.delay' });
  });

  it('refuses a bad maxWorkers and an unknown store type', async () => {
    const workers = await bootFailure({ imports: [scheduler({ maxWorkers: -1 })] });
    expect(workers).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'maxWorkers', value: -1 });
    await closeApps();
    const store = await bootFailure({
      imports: [scheduler({ store: { type: 'redis' } as never })],
    });
    expect(store).toMatchObject({ code: 'CONFIGURATION' });
    expect(store.message).toContain('Unknown store type "redis"');
  });
});
