/**
 * The processes that run a deployment's other engine instances
 * (`--instances N`: N-1 of them beside the main process's own). They are
 * forked when a deployment first needs them and kept for every deployment
 * after (each gets a fresh engine over its own storage), so that their code
 * is as warm as the main process's when a burst is timed;
 * closeInstanceHosts() ends them. A worker that does not answer in time is
 * killed, so that the run can drop its storage and go on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HandlerKind } from './handlers.js';
import type { FromWorker, InstanceReport, ToWorker, WorkloadOptions } from './instance.js';
import type { CompletionCounter } from './observation.js';
import type { ServerStoreOptions } from '../../lib/store/typeorm/index.js';

const WORKER = fileURLToPath(new URL('./instance-worker.js', import.meta.url));
/** Opening a store (migrations included) and starting the engine. */
const START_TIMEOUT_MS = 60_000;
/** Beyond the engine's own shutdown timeout (30 s), which only a hung task would reach. */
const STOP_TIMEOUT_MS = 45_000;
/** How long a worker may take to exit once its channel closed. */
const EXIT_TIMEOUT_MS = 5_000;

const hosts: InstanceHost[] = [];
let nextId = 1;

/** `count` live worker processes, forking those missing. */
export function instanceHosts(count: number): InstanceHost[] {
  for (let i = hosts.length - 1; i >= 0; i -= 1) if (!hosts[i]!.alive) hosts.splice(i, 1);
  while (hosts.length < count) hosts.push(new InstanceHost());
  return hosts.slice(0, count);
}

/** Ends every worker process; the run calls it once, whatever happened. */
export async function closeInstanceHosts(): Promise<void> {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
}

/** What a worker's engine is started with. */
export interface InstanceSpec {
  store: ServerStoreOptions;
  options: WorkloadOptions;
  handlers: Record<string, HandlerKind>;
}

/** One worker process. */
export class InstanceHost {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly receivers = new Map<number, (message: FromWorker) => void>();
  private readonly losers = new Map<number, (reason: Error) => void>();
  private exitReason: Error | null = null;

  constructor() {
    this.child = fork(WORKER, [], {
      // Structured clone: a lateness report's Float64Array crosses as is.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: FromWorker) => this.receivers.get(message.id)?.(message));
    this.exited = new Promise((resolve) => {
      const gone = (reason: Error) => {
        if (this.exitReason !== null) return;
        this.exitReason = reason;
        for (const lose of this.losers.values()) lose(reason);
        resolve();
      };
      this.child.once('exit', (code, signal) =>
        gone(new Error(`instance worker ${this.child.pid} exited (${signal ?? `code ${code}`})`)),
      );
      this.child.once('error', (error) =>
        gone(new Error(`instance worker failed: ${error.message}`, { cause: error })),
      );
    });
  }

  get alive(): boolean {
    return this.exitReason === null;
  }

  /** A new engine instance in this process, for one deployment; it starts with start(). */
  instance(completions: CompletionCounter): RemoteInstance {
    return new RemoteInstance(this, nextId++, completions);
  }

  /** Routes the messages of instance `id` to it, and tells it when the process is gone. */
  attach(id: number, receive: (message: FromWorker) => void, lose: (reason: Error) => void): void {
    this.receivers.set(id, receive);
    this.losers.set(id, lose);
    if (this.exitReason !== null) lose(this.exitReason);
  }

  detach(id: number): void {
    this.receivers.delete(id);
    this.losers.delete(id);
  }

  send(message: ToWorker): void {
    if (this.exitReason !== null) throw this.exitReason;
    this.child.send(message);
  }

  /** Kills the process at once (it hangs, or failed to answer). */
  async kill(): Promise<void> {
    if (this.exitReason === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Lets the process exit (it does when its channel closes); kills it if it does not. */
  async close(): Promise<void> {
    if (this.exitReason !== null) return;
    if (this.child.connected) this.child.disconnect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), EXIT_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome === 'late') await this.kill();
  }
}

/** An engine instance of one deployment, running in an {@link InstanceHost}. */
export class RemoteInstance {
  private started = false;
  /** Completions already added to the deployment's counter. */
  private counted = 0;
  private awaiting: { resolve(message: FromWorker): void; reject(reason: Error): void } | null =
    null;

  constructor(
    private readonly host: InstanceHost,
    private readonly id: number,
    private readonly completions: CompletionCounter,
  ) {
    host.attach(
      id,
      (message) => this.received(message),
      (reason) => {
        this.awaiting?.reject(reason);
        // The tasks it held would only come back when their leases ran out: fail the measurement now.
        if (this.started) this.completions.fail(reason);
      },
    );
  }

  /** Starts the engine; resolves to its node id once it runs. */
  async start(spec: InstanceSpec): Promise<string> {
    this.started = true;
    const reply = await this.ask({ type: 'start', id: this.id, ...spec }, START_TIMEOUT_MS);
    if (reply.type !== 'started') throw new Error(`instance worker answered ${reply.type}`);
    return reply.nodeId;
  }

  /** Stops the engine (if it started); resolves to what it reported, null if it never ran. */
  async stop(): Promise<InstanceReport | null> {
    try {
      if (!this.started || !this.host.alive) return null;
      const reply = await this.ask({ type: 'stop', id: this.id }, STOP_TIMEOUT_MS);
      if (reply.type !== 'stopped') throw new Error(`instance worker answered ${reply.type}`);
      // Completions reported after the last message, within its throttle, count too.
      if (reply.report !== null) this.count(reply.report.completed);
      return reply.report;
    } finally {
      this.host.detach(this.id);
    }
  }

  private received(message: FromWorker): void {
    if (message.type === 'completed') {
      this.count(message.count);
      return;
    }
    const awaiting = this.awaiting;
    this.awaiting = null;
    if (message.type === 'failed') awaiting?.reject(new Error(message.message));
    else awaiting?.resolve(message);
  }

  private count(total: number): void {
    if (total <= this.counted) return;
    const added = total - this.counted;
    this.counted = total;
    this.completions.add(added);
  }

  /** Sends a request and waits for its answer; a worker that does not answer in time is killed. */
  private ask(message: ToWorker, timeoutMs: number): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.awaiting = null;
        reject(new Error(`instance worker did not answer ${message.type} within ${timeoutMs} ms`));
        void this.host.kill();
      }, timeoutMs);
      this.awaiting = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (reason) => {
          clearTimeout(timer);
          reject(reason);
        },
      };
      try {
        this.host.send(message);
      } catch (error) {
        this.awaiting.reject(error as Error);
        this.awaiting = null;
      }
    });
  }
}
