import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../core/clock.js';
import type { Coordinator } from '../coordinator.js';

/** A node id unique across hosts, processes and restarts: `host-pid-random`. */
export function generateNodeId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '')
      .slice(0, 40) || 'node';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

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

  async requestCancel(): Promise<void> {}
}
