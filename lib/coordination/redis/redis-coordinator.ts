import type { Clock } from '../../core/clock.js';
import { measureClockOffset } from '../clock-offset.js';
import type { Coordinator, CoordinatorSignals } from '../coordinator.js';
import { deliverMessage, type CancelMessage, type WorkMessage } from '../messages.js';
import { generateNodeId, hostNodeGone } from '../node-id.js';
import { OutageLog, type CoordinatorLogger } from '../outage-log.js';
import {
  createRedisClient,
  type RedisClient,
  type RedisConnectionOptions,
} from './redis-client.js';

export interface RedisCoordinatorOptions {
  /** `redis://…`; or `options`, or an ioredis `client` of the application (duplicated, never closed here). */
  url?: string;
  options?: RedisConnectionOptions;
  client?: { duplicate(): unknown };
  /** Prefix of every key and channel (default 'scheduler:'). */
  keyPrefix?: string;
  /**
   * Whether the instances share a durable store. Then the store's unique
   * fire ids are the guarantee and a fire lock only saves work: while Redis
   * is away every instance tries, and the store lets one win. With the
   * memory store the lock is the only guard: while Redis is away, fires are
   * skipped rather than risked twice.
   */
  sharedStore: boolean;
  /** With a shared store: how often idle queues look for work whose announcement was lost (default 1 s). */
  pollIntervalMs?: number;
  /** How long a fire stays claimed: longer than any instance could be late for it. */
  fireLockMs: number;
  clock: Clock;
  nodeId?: string;
  logger: CoordinatorLogger;
}

const DEFAULT_PREFIX = 'scheduler:';
const CLOCK_SYNC_MS = 60_000;

/**
 * Instances coordinated through Redis. Each cron or recurring fire is
 * claimed with `SET fire-key node NX PX ttl`: one instance wins and creates
 * the fire's task, the others skip it. Cancel requests reach the instance
 * running the task over pub/sub, and so do announcements of new work when
 * the instances share a store. Time is read on Redis's clock (`TIME`), so
 * instances with skewed clocks agree on fire times and leases.
 */
export class RedisCoordinator implements Coordinator {
  readonly nodeId: string;
  readonly shared: boolean;
  private readonly prefix: string;
  private commands: RedisClient | null = null;
  private subscriber: RedisClient | null = null;
  private signals: CoordinatorSignals | null = null;
  private offsetMs = 0;
  private running = false;
  private syncTimer: unknown = null;
  private pollTimer: unknown = null;
  private readonly outage: OutageLog;

  constructor(private readonly options: RedisCoordinatorOptions) {
    this.nodeId = options.nodeId ?? generateNodeId();
    this.shared = options.sharedStore;
    this.prefix = options.keyPrefix ?? DEFAULT_PREFIX;
    this.outage = new OutageLog('Redis (coordination)', options.logger, () => options.clock.now());
  }

  async start(signals: CoordinatorSignals): Promise<void> {
    this.signals = signals;
    this.running = true;
    const commands =
      (this.options.client?.duplicate() as RedisClient | undefined) ?? this.newClient();
    const subscriber = commands.duplicate();
    this.commands = commands;
    this.subscriber = subscriber;
    for (const client of [commands, subscriber]) {
      client.on('error', (error) => this.outage.failed(error.message));
      client.on('ready', () => this.outage.recovered());
    }
    subscriber.on('message', (channel, message) => this.received(channel, message));
    try {
      await Promise.all([ready(commands), ready(subscriber)]);
      await subscriber.subscribe(this.channel('work'), this.channel('cancel'));
    } catch (error) {
      await this.stop();
      throw error;
    }
    await this.syncClock();
    this.scheduleClockSync();
    if (this.options.sharedStore) this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of [this.syncTimer, this.pollTimer]) {
      if (timer !== null) this.options.clock.clearTimer(timer);
    }
    for (const client of [this.subscriber, this.commands]) {
      if (client === null) continue;
      client.removeAllListeners();
      client.on('error', () => undefined); // a late socket error must not crash the process
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    }
    this.subscriber = null;
    this.commands = null;
  }

  now(): number {
    return this.options.clock.now() + this.offsetMs;
  }

  /** The fire goes to the instance whose `SET … NX` lands first. */
  async claimFire(scheduleId: string, fireAt: number): Promise<boolean> {
    const commands = this.commands;
    if (commands === null) return this.options.sharedStore;
    try {
      const key = `${this.prefix}fire:${scheduleId}:${fireAt}`;
      const claimed = await commands.set(key, this.nodeId, 'PX', this.options.fireLockMs, 'NX');
      return claimed === 'OK';
    } catch (error) {
      this.outage.failed(
        `claiming fire ${scheduleId}@${new Date(fireAt).toISOString()}: ${errorText(error)}`,
      );
      return this.options.sharedStore;
    }
  }

  /** Only instances sharing a store can run each other's work. */
  announceWork(queue: string, dueAt: number): void {
    if (!this.options.sharedStore) return;
    const message: WorkMessage = { n: this.nodeId, q: queue, d: dueAt };
    void this.publish('work', message);
  }

  isGone(nodeId: string): boolean {
    return hostNodeGone(nodeId, this.nodeId);
  }

  async requestCancel(taskId: string, nodeId: string): Promise<void> {
    const message: CancelMessage = { n: nodeId, t: taskId };
    await this.publish('cancel', message);
  }

  /** The measured offset of Redis's clock to this instance's (ms). */
  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  private newClient(): RedisClient {
    return createRedisClient(this.options.url, this.options.options);
  }

  private channel(name: 'work' | 'cancel'): string {
    return `${this.prefix}${name}`;
  }

  private async publish(
    name: 'work' | 'cancel',
    message: WorkMessage | CancelMessage,
  ): Promise<void> {
    const commands = this.commands;
    if (commands === null) return;
    try {
      await commands.publish(this.channel(name), JSON.stringify(message));
    } catch (error) {
      this.outage.failed(`publishing to ${this.channel(name)}: ${errorText(error)}`);
    }
  }

  private received(channel: string, payload: string): void {
    if (this.signals === null) return;
    const [work, cancel] = [this.channel('work'), this.channel('cancel')];
    deliverMessage(channel, payload, work, cancel, this.nodeId, this.signals);
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = this.options.clock.setTimer(() => {
      this.signals?.pollAll();
      this.schedulePoll();
    }, this.options.pollIntervalMs ?? 1_000);
  }

  private scheduleClockSync(): void {
    if (!this.running) return;
    this.syncTimer = this.options.clock.setTimer(() => {
      void this.syncClock()
        .catch((error: unknown) => this.outage.failed(`reading its clock: ${errorText(error)}`))
        .finally(() => this.scheduleClockSync());
    }, CLOCK_SYNC_MS);
  }

  /** Measures Redis's clock (`TIME`) against this instance's. */
  private async syncClock(): Promise<void> {
    const commands = this.commands;
    if (commands === null) return;
    const offset = await measureClockOffset(
      () => this.options.clock.now(),
      async () => {
        const [seconds, micros] = await commands.time();
        return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      },
    );
    if (offset !== null) this.offsetMs = offset;
  }
}

/** How long the start waits for Redis to answer. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Resolves once the client can take commands (they fail at once while it cannot: no offline queue). */
function ready(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = 'no answer';
    const timer = setTimeout(
      () =>
        reject(new Error(`Redis did not answer within ${CONNECT_TIMEOUT_MS} ms (${lastError})`)),
      CONNECT_TIMEOUT_MS,
    );
    client.on('error', (error) => (lastError = error.message));
    client.on('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
