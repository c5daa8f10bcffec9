/**
 * A memory store whose claim answers can be held back, as a remote store's
 * would be while the network is slow: the claim is made in the store at
 * once, but the engine hears of it only when the test lets it.
 */
import type { ClaimRequest, ClaimResult, TaskUpdate } from '../../lib/store/task-store.js';
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';

export class GatedStore extends MemoryTaskStore {
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => undefined;
  private closed = false;
  /** Claims made but not yet answered. */
  claimsInFlight = 0;
  /** Updates that arrived after close(). */
  readonly writesAfterClose: TaskUpdate[] = [];

  /** Claims from now on are made at once but answered only after {@link releaseClaims}. */
  holdClaims(): void {
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  /** Answers the held claims, and lets later ones through. */
  releaseClaims(): void {
    this.gate = null;
    this.openGate();
  }

  override async claimDue(request: ClaimRequest): Promise<ClaimResult> {
    const result = await super.claimDue(request);
    if (this.gate !== null) {
      this.claimsInFlight += 1;
      await this.gate;
      this.claimsInFlight -= 1;
    }
    return result;
  }

  override async updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    if (this.closed) this.writesAfterClose.push(...updates);
    return super.updateTasks(updates);
  }

  override async open(): Promise<void> {
    this.closed = false;
    await super.open();
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }
}
