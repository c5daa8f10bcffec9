/**
 * The cluster boundary: everything that depends on other instances of the
 * application. A single instance uses the local coordinator, which answers
 * every question at once and costs nothing.
 */

/** How a coordinator tells the engine about other instances' actions. */
export interface CoordinatorSignals {
  /** Work may be due in `queue` from `dueAt` on (another node added or released it). */
  workAvailable(queue: string, dueAt: number): void;
  /** Another node asks this one to abort a task it is running. */
  cancelRequested(taskId: string): void;
  /** Look for due work in every queue: the fallback for wake-ups that never arrived. */
  pollAll(): void;
}

/** The cluster boundary; see the top of this file. */
export interface Coordinator {
  /** This instance's id, recorded on the tasks it runs. */
  readonly nodeId: string;
  /**
   * Whether other instances share this instance's store, and so may run the
   * tasks it created or hold leases it must watch. Default false.
   */
  readonly shared?: boolean;
  start(signals: CoordinatorSignals): Promise<void>;
  stop(): Promise<void>;
  /**
   * The time leases and due times are measured by: the engine clock
   * corrected by the measured offset to the shared server's clock, so that
   * instances with skewed clocks still agree.
   */
  now(): number;
  /** Whether this node may create the fire of `scheduleId` at `fireAt` (one node per fire). */
  claimFire(scheduleId: string, fireAt: number): Promise<boolean>;
  /** Tells other nodes that work was added or released, so that idle ones wake without polling. */
  announceWork(queue: string, dueAt: number): void;
  /**
   * Whether the node `nodeId` has certainly stopped, so that the tasks it
   * holds can be recovered before their leases run out (false when unsure:
   * they are then recovered when the lease expires).
   */
  isGone(nodeId: string): boolean;
  /** Forwards a cancel to the node running the task. */
  requestCancel(taskId: string, nodeId: string): Promise<void>;
}

/** DI token of the coordinator, under the interface's name. */
export const Coordinator = Symbol('nestjs-scheduler:Coordinator');
