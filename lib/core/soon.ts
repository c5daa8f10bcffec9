import { performance } from 'node:perf_hooks';

/** How long work may chain through microtasks before the event loop gets a turn. */
export const YIELD_EVERY_MS = 2;

/**
 * Runs engine work "soon": in a microtask while the event loop has had a
 * turn within the last {@link YIELD_EVERY_MS}, else on its next turn. A
 * burst of short tasks then costs no event-loop turn per batch (a turn is a
 * poll system call and a tenth of a no-op task's budget), yet the engine
 * never holds I/O back for more than a couple of milliseconds.
 */
export class Soon {
  private lastTurn = performance.now();

  run(work: () => void): void {
    if (performance.now() - this.lastTurn < YIELD_EVERY_MS) {
      queueMicrotask(work);
      return;
    }
    setImmediate(() => {
      this.lastTurn = performance.now();
      work();
    });
  }
}
