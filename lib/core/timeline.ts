import type { Clock } from './clock.js';
import { MAX_TIMER_DELAY_MS } from './clock.js';
import { IndexedMinHeap, type HeapNode } from './min-heap.js';

/**
 * The longest single wait on a real clock. Waits are chunked so that a
 * suspended machine or a wall-clock step is noticed within a minute, and so
 * that no wait reaches Node's 2^31-1 ms timer limit (beyond which a timer
 * fires at once).
 */
export const MAX_WAIT_CHUNK_MS = 60_000;

/** Something due at `at`: a schedule's next fire, a queue's next due task, a timeout. */
export class TimelineEntry implements HeapNode {
  heapIndex = -1;
  at = 0;

  constructor(readonly run: () => void) {}

  /** Whether the entry waits on a timeline. */
  get armed(): boolean {
    return this.heapIndex >= 0;
  }
}

/**
 * One timer for everything the engine waits for: entries sit in a min-heap
 * by due time and a single clock timer is armed for the earliest. Never one
 * timer per task: 100,000 delayed tasks cost one timer.
 */
export class Timeline {
  private readonly entries = new IndexedMinHeap<TimelineEntry>((a, b) => a.at < b.at);
  private timer: unknown = undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {
    this.maxWaitMs = clock.maxWaitMs ?? MAX_WAIT_CHUNK_MS;
  }

  private readonly maxWaitMs: number;

  get size(): number {
    return this.entries.size;
  }

  /** Starts firing due entries. */
  start(): void {
    this.running = true;
    this.arm();
  }

  /** Stops the timer; entries stay and fire after a new start(). */
  stop(): void {
    this.running = false;
    this.disarm();
  }

  /** Puts `entry` on the timeline at `at`, moving it if it was already there. */
  schedule(entry: TimelineEntry, at: number): void {
    entry.at = at;
    if (entry.armed) this.entries.update(entry);
    else this.entries.push(entry);
    if (at < this.timerAt) this.arm();
  }

  /** Takes `entry` off the timeline; it will not run. */
  cancel(entry: TimelineEntry): void {
    this.entries.remove(entry);
    // The timer stays armed for a time that may now be empty; the wake is
    // harmless and cheaper than re-arming on every cancel.
    if (this.entries.size === 0) this.disarm();
  }

  /** Takes every entry off the timeline. */
  clear(): void {
    this.entries.clear();
    this.disarm();
  }

  private arm(): void {
    if (!this.running) return;
    const next = this.entries.peek();
    if (next === undefined) return this.disarm();
    const now = this.clock.now();
    const wait = Math.min(Math.max(0, next.at - now), this.maxWaitMs, MAX_TIMER_DELAY_MS);
    const wakeAt = now + wait;
    if (this.timer !== undefined && wakeAt >= this.timerAt) return;
    this.disarm();
    this.timerAt = wakeAt;
    this.timer = this.clock.setTimer(() => this.onTimer(), wait);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    // Re-read the clock on every wake: a chunked or late wake must not fire anything early.
    const now = this.clock.now();
    for (let next = this.entries.peek(); next !== undefined && next.at <= now;) {
      this.entries.pop();
      try {
        next.run();
      } catch (error) {
        this.onError(error);
      }
      next = this.entries.peek();
    }
    this.arm();
  }
}
