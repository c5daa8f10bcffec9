/** Small statistics and timing helpers shared by the workloads. */
import { performance } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile (`p` from 0 to 100) of values sorted ascending. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) throw new Error('percentile of no values');
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}

/** Rate per second of `count` events over `elapsedMs`. */
export function perSecond(count: number, elapsedMs: number): number {
  return (count / elapsedMs) * 1000;
}

/** Whether the process runs with `--expose-gc`. */
export function canCollect(): boolean {
  return typeof globalThis.gc === 'function';
}

/** Full collections until the heap stops shrinking (at most a few), so heap readings are stable. */
export async function collectGarbage(): Promise<void> {
  if (!canCollect()) return;
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i += 1) {
    // Let pending promise reactions and immediates finish, so that what they hold can go.
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc!();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous - 1024) return;
    previous = used;
  }
}

/** Milliseconds from a monotonic clock. */
export const now = (): number => performance.now();
