import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../core/clock.js';
import type { Coordinator } from '../coordinator.js';

const host = (): string =>
  hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .slice(0, 40) || 'node';

/** A node id unique across hosts, processes and restarts: `host-pid-random`. */
export function generateNodeId(): string {
  return `${host()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Whether a process of this host with that pid is running (permission errors mean it is). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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

  /**
   * A generated id names its host and process: a node of this host whose
   * process is gone (or whose pid is now ours, as after a container
   * restart) has stopped. Anything else is unknown.
   */
  isGone(nodeId: string): boolean {
    if (nodeId === this.nodeId) return false;
    const match = /^(.+)-(\d+)-[0-9a-f]{6}$/.exec(nodeId);
    if (match === null) return false;
    const [, nodeHost, pid] = match;
    if (nodeHost !== host()) return false;
    return Number(pid) === process.pid || !processAlive(Number(pid));
  }

  async requestCancel(): Promise<void> {}
}
