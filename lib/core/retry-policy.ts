/** How the delay grows from one retry to the next. */
export type BackoffKind = 'fixed' | 'linear' | 'exponential';

/** A queue's retry policy, with durations resolved to milliseconds. */
export interface RetryPolicy {
  /** Retries after the first attempt: `maxRetries: n` allows up to n + 1 attempts. */
  maxRetries: number;
  delayMs: number;
  backoff: BackoffKind;
  /** Spread as a fraction of the delay, 0 (none) to 1 (±100%), so that retries of a burst do not return in lockstep. */
  jitter: number;
  maxDelayMs: number;
}

/**
 * The delay before retry number `retry` (1, 2, …): fixed d, linear d·n,
 * exponential d·2^(n−1); then capped by `maxDelayMs`; then spread by
 * `jitter`. `random` returns a number in [0, 1), injectable for tests.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const base =
    policy.backoff === 'fixed'
      ? policy.delayMs
      : policy.backoff === 'linear'
        ? policy.delayMs * retry
        : policy.delayMs * 2 ** (retry - 1);
  const capped = Math.min(base, policy.maxDelayMs);
  if (policy.jitter === 0) return capped;
  const spread = capped * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(capped + spread));
}
