import type { Clock } from '../../lib/core/clock.js';

interface ManualTimer {
  id: number;
  dueElapsed: number;
  callback: () => void;
}

/** Lets promise chains and setImmediate work started by timers run to completion. */
export async function flushAsync(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock driven by hand. Like a real machine it has two times: elapsed
 * (monotonic, what timers count) and wall time (what now() reads, which
 * jump() can move without timers noticing).
 */
export class ManualClock implements Clock {
  readonly maxWaitMs: number | undefined;
  private elapsed = 0;
  private wallOffset: number;
  private readonly timers = new Map<number, ManualTimer>();
  private nextId = 1;
  /** Most timers alive at once since construction. */
  peakTimers = 0;

  constructor(
    start: string | number = '2026-01-01T00:00:00.000Z',
    options: { maxWaitMs?: number } = {},
  ) {
    this.wallOffset = typeof start === 'number' ? start : Date.parse(start);
    this.maxWaitMs = options.maxWaitMs ?? 2_147_483_647;
  }

  now(): number {
    return this.wallOffset + this.elapsed;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { id, dueElapsed: this.elapsed + Math.max(0, delayMs), callback });
    this.peakTimers = Math.max(this.peakTimers, this.timers.size);
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Live timers right now. */
  get liveTimers(): number {
    return this.timers.size;
  }

  /** Moves wall time only, as an NTP step or a manual change of the system clock would. */
  jump(ms: number): void {
    this.wallOffset += ms;
  }

  /**
   * Moves time forward by `ms` (a number or '5s'-style is not accepted here:
   * tests say what they mean in ms), firing each due timer in order and
   * letting the work it starts settle before the next one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.elapsed + ms;
    await flushAsync();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.dueElapsed > target) break;
      this.timers.delete(next.id);
      this.elapsed = Math.max(this.elapsed, next.dueElapsed);
      next.callback();
      await flushAsync();
    }
    this.elapsed = target;
    await flushAsync();
  }

  private earliest(): ManualTimer | undefined {
    let earliest: ManualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (
        earliest === undefined ||
        timer.dueElapsed < earliest.dueElapsed ||
        (timer.dueElapsed === earliest.dueElapsed && timer.id < earliest.id)
      ) {
        earliest = timer;
      }
    }
    return earliest;
  }
}
