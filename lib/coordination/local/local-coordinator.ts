import type { Clock } from '../../core/clock.js';
import type { Coordinator } from '../coordinator.js';
import { generateNodeId, hostNodeGone } from '../node-id.js';

export { generateNodeId } from '../node-id.js';

/**
 * The coordinator of a single instance: every fire is this node's, there is
 * nobody to wake or forward cancels to, and the engine clock is the truth.
 */
export class LocalCoordinator implements Coordinator {
  readonly nodeId: string;

  constructor(
    private readonly clock: Clock,
    nodeId?: string,
  ) {
    this.nodeId = nodeId ?? generateNodeId();
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  now(): number {
    return this.clock.now();
  }

  async claimFire(): Promise<boolean> {
    return true;
  }

  announceWork(): void {}

  /**
   * A generated id names its host and process: a node of this host whose
   * process is gone (or whose pid is now ours, as after a container
   * restart) has stopped. Anything else is unknown.
   */
  isGone(nodeId: string): boolean {
    return hostNodeGone(nodeId, this.nodeId);
  }

  async requestCancel(): Promise<void> {}
}
