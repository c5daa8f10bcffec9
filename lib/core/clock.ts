/**
 * Every time read and every wait of the engine goes through a Clock, so that
 * tests (and, later, users' own tests) can drive time by hand.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Calls `callback` once after `delayMs`; delays never exceed {@link MAX_TIMER_DELAY_MS}. */
  setTimer(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer returned by {@link Clock.setTimer}; unknown handles are ignored. */
  clearTimer(handle: unknown): void;
  /**
   * The longest single wait the engine asks of this clock. Real clocks leave
   * it unset (one minute), so that a suspended machine or a wall-clock step
   * is noticed soon; a virtual clock that cannot be suspended may allow more.
   */
  readonly maxWaitMs?: number;
}

/**
 * Node's timers overflow above 2^31-1 ms and then fire after 1 ms (with a
 * TimeoutOverflowWarning), so longer waits must be chunked.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.min(delayMs, MAX_TIMER_DELAY_MS)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
