import { DuplicateNameError, UnknownQueueError } from './errors.js';
import type { ResolvedQueueConfig } from './options.js';
import { DurationWindow } from './stats.js';
import { TimelineEntry } from './timeline.js';

/** A queue's configuration and its live state on this node. */
export class QueueRuntime {
  /** Attempts of this queue holding a worker slot on this node. */
  running = 0;
  paused = false;
  /** A claim is in flight; one at a time per queue. */
  claiming = false;
  /** Earliest known due time of a claimable task; null when none is known to wait. */
  dueAt: number | null = null;
  /** Due times learned while a claim was in flight, which its answer may not include. */
  dueDuringClaim: number | null = null;
  readonly durations = new DurationWindow();

  constructor(
    public config: ResolvedQueueConfig,
    /** Wakes the dispatcher when `dueAt` comes. */
    readonly wake: TimelineEntry,
  ) {}

  get name(): string {
    return this.config.name;
  }

  get freeWorkers(): number {
    return this.config.workers - this.running;
  }

  /** Records that a task may be due at `at`. */
  noteDue(at: number): void {
    if (this.dueAt === null || at < this.dueAt) this.dueAt = at;
    if (this.claiming && (this.dueDuringClaim === null || at < this.dueDuringClaim)) {
      this.dueDuringClaim = at;
    }
  }
}

/** The queues of this scheduler, in declaration order (which is also the dispatch rotation). */
export class QueueRegistry {
  private readonly byName = new Map<string, QueueRuntime>();

  constructor(private readonly onWake: (queue: QueueRuntime) => void) {}

  add(config: ResolvedQueueConfig): QueueRuntime {
    if (this.byName.has(config.name)) {
      throw new DuplicateNameError('queue', config.name, 'a queue of that name already exists');
    }
    const runtime: QueueRuntime = new QueueRuntime(
      config,
      new TimelineEntry(() => this.onWake(runtime)),
    );
    this.byName.set(config.name, runtime);
    return runtime;
  }

  /** @throws UnknownQueueError */
  get(name: unknown): QueueRuntime {
    const queue = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (queue === undefined) throw new UnknownQueueError(name, this.names());
    return queue;
  }

  find(name: string): QueueRuntime | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): QueueRuntime[] {
    return [...this.byName.values()];
  }
}
