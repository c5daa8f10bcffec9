import { expect } from '@jest/globals';

/** How many violations a failure message shows (the count says how many there were). */
const SHOWN = 15;

/**
 * Asserts that an invariant had no violations. On failure Jest's diff shows
 * the invariant's name, the seed to replay it with, how many times it broke
 * and the first few violations, each a sentence naming the task and time.
 */
export function expectInvariant(
  invariant: string,
  seed: number | string,
  violations: readonly string[],
): void {
  expect({
    invariant,
    replay: `CHAOS_SEEDS=${seed}`,
    violations: violations.length,
    first: violations.slice(0, SHOWN),
  }).toEqual({ invariant, replay: `CHAOS_SEEDS=${seed}`, violations: 0, first: [] });
}
