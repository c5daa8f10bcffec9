/**
 * Seeded randomness for the soak runs, so that a failing run can be replayed
 * from the seed printed in its message.
 */
import { seededRandom } from '../../utils/seeded-random.js';

/** A source of reproducible randomness. */
export interface Random {
  /** The seed this source started from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of the values, with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** An independent source derived from this one's seed and `label`. */
  fork(label: string | number): Random;
}

/** FNV-1a over the parts: a stable 32-bit seed from a seed and labels. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}|`;
    for (let i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash >>> 0;
}

/** Helpers over the shared mulberry32 generator (test/utils/seeded-random.ts). */
export function createRandom(seed: number): Random {
  const next = seededRandom(seed);
  const random: Random = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick() from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (entries) => {
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of entries) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return entries.at(-1)![0];
    },
    fork: (label) => createRandom(hashSeed(seed, label)),
  };
  return random;
}

/**
 * The seeds of a soak: `CHAOS_SEEDS=1,2,3` (or `CHAOS_SEEDS=random`, for
 * fresh seeds that are printed) overrides the fixed defaults, so that CI
 * stays reproducible and a failure can be replayed.
 */
export function chaosSeeds(defaults: readonly number[]): number[] {
  const given = process.env.CHAOS_SEEDS?.trim();
  if (given === undefined || given === '') return [...defaults];
  if (given === 'random') {
    return defaults.map(() => Math.floor(Math.random() * 2 ** 31));
  }
  const seeds = given.split(',').map((part) => Number(part.trim()));
  if (seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) {
    throw new Error(`CHAOS_SEEDS must be a comma-separated list of integers, not ${given}`);
  }
  return seeds;
}

/** Nearest-rank percentile of `values` (p from 0 to 100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}
