import type { SchedulerEvent } from '../core/events.js';

const MINUTE = 60_000;
const MINUTES_KEPT = 60;
const THROUGHPUT_MINUTES = 5;

interface Bucket {
  /** Start of the minute (epoch ms). */
  minute: number;
  completed: number;
  failed: number;
  /** Finished tasks (completed or failed) by queue. */
  byQueue: Map<string, number>;
}

/** The chart data: one bucket per minute of the last hour, oldest first. */
export interface FinishHistory {
  bucketMs: number;
  buckets: { at: Date; completed: number; failed: number }[];
  /** Tasks finished per minute over the last five minutes, by queue. */
  throughput: Record<string, number>;
}

/**
 * Completions and failures of this instance per minute over the last hour,
 * counted from the engine's events: what the dashboard charts. A fixed ring
 * of sixty minutes, so its size does not grow with the load.
 */
export class FinishCounter {
  private readonly ring: (Bucket | undefined)[] = new Array(MINUTES_KEPT);

  constructor(private readonly now: () => number = Date.now) {}

  record(event: SchedulerEvent): void {
    if (event.type !== 'completed' && event.type !== 'failed') return;
    const bucket = this.bucketAt(event.at.getTime());
    if (bucket === null) return;
    if (event.type === 'completed') bucket.completed += 1;
    else bucket.failed += 1;
    bucket.byQueue.set(event.queue, (bucket.byQueue.get(event.queue) ?? 0) + 1);
  }

  history(): FinishHistory {
    const current = minuteOf(this.now());
    const buckets: FinishHistory['buckets'] = [];
    const finished = new Map<string, number>();
    for (let back = MINUTES_KEPT - 1; back >= 0; back -= 1) {
      const minute = current - back * MINUTE;
      const bucket = this.ring[slot(minute)];
      const live = bucket !== undefined && bucket.minute === minute ? bucket : undefined;
      buckets.push({
        at: new Date(minute),
        completed: live?.completed ?? 0,
        failed: live?.failed ?? 0,
      });
      if (live !== undefined && back < THROUGHPUT_MINUTES) {
        for (const [queue, count] of live.byQueue) {
          finished.set(queue, (finished.get(queue) ?? 0) + count);
        }
      }
    }
    const throughput: Record<string, number> = {};
    for (const [queue, count] of finished) {
      throughput[queue] = Math.round((count / THROUGHPUT_MINUTES) * 10) / 10;
    }
    return { bucketMs: MINUTE, buckets, throughput };
  }

  /** The bucket of the minute holding `at`, or null when that minute is no longer (or not yet) kept. */
  private bucketAt(at: number): Bucket | null {
    const current = minuteOf(this.now());
    const stamped = minuteOf(at);
    if (stamped > current + MINUTE || stamped <= current - MINUTES_KEPT * MINUTE) return null;
    // An event stamped a little ahead of this clock counts in the current minute: the slot of the
    // next minute is the oldest one still shown, whose counts it would wipe.
    const minute = Math.min(stamped, current);
    const index = slot(minute);
    let bucket = this.ring[index];
    if (bucket === undefined || bucket.minute !== minute) {
      bucket = { minute, completed: 0, failed: 0, byQueue: new Map() };
      this.ring[index] = bucket;
    }
    return bucket;
  }
}

const minuteOf = (at: number): number => Math.floor(at / MINUTE) * MINUTE;
const slot = (minute: number): number => (minute / MINUTE) % MINUTES_KEPT;
