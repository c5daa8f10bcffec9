/**
 * A memory store whose answers can be held back, as a remote store's would
 * be while the network is slow: claims and writes are made in the store at
 * once, but the engine hears of them only when the test lets it.
 */
import type {
  ClaimRequest,
  ClaimResult,
  InsertRequest,
  InsertResult,
  TaskUpdate,
} from '../../lib/store/task-store.js';
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';

export class GatedStore extends MemoryTaskStore {
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => undefined;
  private ackGate: Promise<void> | null = null;
  private openAckGate: () => void = () => undefined;
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

  /** Inserts and updates from now on are applied at once but acknowledged only after {@link releaseAcks}. */
  holdAcks(): void {
    this.ackGate ??= new Promise((resolve) => (this.openAckGate = resolve));
  }

  /** Acknowledges the held writes, and lets later ones through. */
  releaseAcks(): void {
    this.ackGate = null;
    this.openAckGate();
  }

  override async insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    const results = await super.insertTasks(requests);
    await this.ackGate;
    return results;
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
    const applied = await super.updateTasks(updates);
    await this.ackGate;
    return applied;
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
