import type { SchedulerLogger } from './logger.js';
import { errorMessage } from './logger.js';

/** How long repeated store failures are summed up before the next log line. */
const QUIET_MS = 10_000;

/**
 * Tracks whether the store answers, and logs its failures without flooding:
 * the first failure of an outage at once, then one line per ten seconds
 * with how many more failed, and one line when the store answers again.
 */
export class StoreHealth {
  private failingSince: number | null = null;
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;
  private lastError = '';

  constructor(
    private readonly logger: SchedulerLogger,
    private readonly now: () => number,
  ) {}

  /** Whether the latest store call failed. */
  get failing(): boolean {
    return this.failingSince !== null;
  }

  /** The latest failure, while failing: what a health check reports. */
  get problem(): { since: number; error: string } | null {
    return this.failingSince === null ? null : { since: this.failingSince, error: this.lastError };
  }

  failed(operation: string, error: unknown): void {
    const now = this.now();
    this.failingSince ??= now;
    this.lastError = `${operation}: ${errorMessage(error)}`;
    if (now - this.lastLineAt < QUIET_MS) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more failed calls)` : '';
    this.logger.error(`the task store failed during ${this.lastError}${more}; retrying`);
    this.lastLineAt = now;
    this.suppressed = 0;
  }

  succeeded(): void {
    if (this.failingSince === null) return;
    const outage = this.now() - this.failingSince;
    this.logger.log(`the task store answers again after ${outage} ms`);
    this.failingSince = null;
    this.suppressed = 0;
    this.lastLineAt = Number.NEGATIVE_INFINITY;
  }
}
