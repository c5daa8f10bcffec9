/** What a coordinator logs. */
export interface CoordinatorLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Logs a connection's failures without flooding: the first at once, then at
 * most one line a second with how many more there were, and one line when
 * it answers again.
 */
export class OutageLog {
  private since: number | null = null;
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly what: string,
    private readonly logger: CoordinatorLogger,
    private readonly now: () => number,
    private readonly quietMs = 1_000,
  ) {}

  get failing(): boolean {
    return this.since !== null;
  }

  failed(reason: string): void {
    const now = this.now();
    this.since ??= now;
    if (now - this.lastLineAt < this.quietMs) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more failures)` : '';
    this.logger.warn(`${this.what} failed: ${reason}${more}`);
    this.lastLineAt = now;
    this.suppressed = 0;
  }

  recovered(): void {
    if (this.since === null) return;
    this.logger.log(`${this.what} answers again after ${this.now() - this.since} ms`);
    this.since = null;
    this.suppressed = 0;
    this.lastLineAt = Number.NEGATIVE_INFINITY;
  }
}
