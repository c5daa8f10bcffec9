import type { Clock } from './clock.js';

/** The most recent run durations of a queue, for its mean and 95th percentile. */
export class DurationWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;

  constructor(capacity = 1024) {
    this.samples = new Float64Array(capacity);
  }

  record(durationMs: number): void {
    if (this.count === this.samples.length) this.sum -= this.samples[this.next]!;
    else this.count += 1;
    this.samples[this.next] = durationMs;
    this.sum += durationMs;
    this.next = (this.next + 1) % this.samples.length;
  }

  get average(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }

  /** Nearest-rank 95th percentile; sorting a copy is fine at a few hundred per second of reads. */
  get p95(): number | null {
    if (this.count === 0) return null;
    const sorted = this.samples.slice(0, this.count).sort();
    return sorted[Math.ceil(this.count * 0.95) - 1]!;
  }
}

/** Finished tasks per second over the last minute, in one-second buckets. */
export class ThroughputMeter {
  private static readonly WINDOW_SECONDS = 60;
  private readonly buckets = new Float64Array(ThroughputMeter.WINDOW_SECONDS);
  private bucketSecond = 0;

  constructor(
    private readonly clock: Clock,
    private readonly startedAt: number,
  ) {
    this.bucketSecond = Math.floor(startedAt / 1000);
  }

  /** Counts one task finished at `at` (the caller's clock reading, so no second one here). */
  record(at: number): void {
    this.advance(at);
    this.buckets[this.bucketSecond % ThroughputMeter.WINDOW_SECONDS]! += 1;
  }

  /** Rate over the last minute, or over the uptime if that is shorter. */
  perSecond(): number {
    this.advance(this.clock.now());
    let total = 0;
    for (const count of this.buckets) total += count;
    const elapsedSeconds = Math.min(
      ThroughputMeter.WINDOW_SECONDS,
      Math.max(1, (this.clock.now() - this.startedAt) / 1000),
    );
    return total / elapsedSeconds;
  }

  private advance(now: number): void {
    const second = Math.floor(now / 1000);
    const steps = Math.min(second - this.bucketSecond, ThroughputMeter.WINDOW_SECONDS);
    for (let i = 1; i <= steps; i += 1) {
      this.buckets[(this.bucketSecond + i) % ThroughputMeter.WINDOW_SECONDS] = 0;
    }
    if (second > this.bucketSecond) this.bucketSecond = second;
  }
}
