import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { SchedulerService } from '../scheduler.service.js';
import type { ResolvedAdminOptions } from './admin-options.js';
import { SCHEDULER_ADMIN_OPTIONS } from './admin.constants.js';
import { FinishCounter } from './finish-history.js';

/** Counts this instance's finished tasks from startup on, for the dashboard's chart. */
@Injectable()
export class AdminActivity implements OnModuleInit, OnModuleDestroy {
  readonly finishes = new FinishCounter();
  private subscription: Subscription | null = null;

  constructor(
    private readonly scheduler: SchedulerService,
    @Inject(SCHEDULER_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
  ) {}

  onModuleInit(): void {
    // Events cost the engine nothing while nobody listens: listen only when the admin API is on.
    if (!this.options.enabled) return;
    this.subscription = this.scheduler.events$.subscribe((event) => this.finishes.record(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
