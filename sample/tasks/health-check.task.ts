import { Recurring, type TaskContext, type TaskHandler } from 'nestjs-scheduler';

/** Which service to check. */
export interface HealthCheck {
  serviceName: string;
}

/** Checks a dependency every 30 seconds (simulated); a run still going when the next is due is skipped. */
@Recurring('30s', { name: 'health-check', payload: { serviceName: 'database' }, overlap: 'skip' })
export class HealthCheckTask implements TaskHandler<HealthCheck> {
  execute({ serviceName }: HealthCheck, ctx: TaskContext): void {
    ctx.logger.debug(`${serviceName} is healthy`);
  }
}
