import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { measureClockOffset } from '../clock-offset.js';
import type { Coordinator, CoordinatorSignals } from '../coordinator.js';
import { deliverMessage, type CancelMessage, type WorkMessage } from '../messages.js';
import { generateNodeId, hostNodeGone } from '../node-id.js';
import type { CoordinatorLogger } from '../outage-log.js';

export type { CoordinatorLogger } from '../outage-log.js';
import { createPgClient, type PgClient, type PgConnectionConfig } from './pg-listener.js';

export interface PostgresCoordinatorOptions {
  /** How to reach the store's database (resolved when the coordinator starts). */
  connection: () => Promise<PgConnectionConfig>;
  /** The store's table prefix: it names the notification channels, so that deployments sharing a database stay apart. */
  tablePrefix: string;
  /** The store's schema, when it has one of its own: it names the channels too. */
  schema?: string;
  /** The engine's clock, corrected here to the database's. */
  clock: Clock;
  nodeId?: string;
  /** How often idle queues look for work nobody announced (a lost notification). Default 1 s. */
  pollIntervalMs?: number;
  logger: CoordinatorLogger;
  /** Builds the listening client; tests replace it. */
  createClient?: (config: PgConnectionConfig) => PgClient;
}

/** How often the offset to the database clock is measured again. */
const CLOCK_SYNC_MS = 60_000;
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/**
 * Several instances sharing one PostgreSQL store. The store already makes
 * them one: claims are atomic (`FOR UPDATE SKIP LOCKED`), every write of a
 * claimed task is fenced by its owner and attempt, and a fire's task has a
 * unique id, so simultaneous fires insert one task. This coordinator adds
 * what makes it fast and consistent:
 *
 * - LISTEN/NOTIFY: an add wakes idle instances at once; a poll every
 *   `pollInterval` covers a notification lost with a connection.
 * - Cancel requests reach the instance running the task.
 * - Time: leases and due times are read on the database's clock (this
 *   instance's clock plus the measured offset), so instances whose clocks
 *   disagree still agree on when a lease expires.
 */
export class PostgresCoordinator implements Coordinator {
  readonly nodeId: string;
  readonly shared = true;
  private offsetMs = 0;
  private client: PgClient | null = null;
  private signals: CoordinatorSignals | null = null;
  private running = false;
  private pollTimer: unknown = null;
  private syncTimer: unknown = null;
  private reconnectTimer: unknown = null;
  private reconnectDelayMs = RECONNECT_FIRST_MS;
  private lostAt: number | null = null;
  /** Announcements gathered in this turn of the event loop: one notification per queue. */
  private readonly pendingWork = new Map<string, number>();
  private flushScheduled = false;
  private readonly workChannel: string;
  private readonly cancelChannel: string;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: PostgresCoordinatorOptions) {
    this.nodeId = options.nodeId ?? generateNodeId();
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    // Channels are database-wide, tables are per schema: the schema's name goes into the channel's,
    // hashed, so that a long one still fits PostgreSQL's 63-byte limit on names.
    const schema =
      options.schema === undefined
        ? ''
        : `${createHash('sha256').update(options.schema).digest('hex').slice(0, 8)}_`;
    const prefix = `${options.tablePrefix}${schema}`.toLowerCase();
    this.workChannel = `${prefix}work`;
    this.cancelChannel = `${prefix}cancel`;
  }

  /** Connects, listens, and measures the database clock; fails the start if the database cannot be reached. */
  async start(signals: CoordinatorSignals): Promise<void> {
    this.signals = signals;
    this.running = true;
    await this.connect();
    this.schedulePoll();
    this.scheduleClockSync();
  }

  async stop(): Promise<void> {
    // Tasks handed back by the shutdown were announced just now: tell the other instances first.
    await this.flushWork();
    this.running = false;
    for (const timer of [this.pollTimer, this.syncTimer, this.reconnectTimer]) {
      if (timer !== null) this.options.clock.clearTimer(timer);
    }
    const client = this.client;
    this.client = null;
    if (client !== null) {
      client.removeAllListeners();
      client.on('error', () => undefined); // a late socket error must not crash the process
      await client.end().catch(() => undefined);
    }
  }

  now(): number {
    return this.options.clock.now() + this.offsetMs;
  }

  /** Every instance may try: the fire's unique task id lets exactly one insert win. */
  async claimFire(): Promise<boolean> {
    return true;
  }

  announceWork(queue: string, dueAt: number): void {
    const known = this.pendingWork.get(queue);
    if (known === undefined || dueAt < known) this.pendingWork.set(queue, dueAt);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flushWork());
  }

  isGone(nodeId: string): boolean {
    return hostNodeGone(nodeId, this.nodeId);
  }

  async requestCancel(taskId: string, nodeId: string): Promise<void> {
    const message: CancelMessage = { n: nodeId, t: taskId };
    await this.notify(this.cancelChannel, message);
  }

  /** The measured offset of the database clock to this instance's (ms). */
  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  private async connect(): Promise<void> {
    const config = await this.options.connection();
    // Named after the tables it serves, so that an operator can tell whose connection it is.
    const client = (this.options.createClient ?? createPgClient)({
      ...config,
      application_name: `nestjs-scheduler:${this.options.tablePrefix}`,
    });
    client.on('error', (error) => this.connectionLost(client, error));
    client.on('end', () => this.connectionLost(client));
    client.on('notification', (message) => this.received(message.channel, message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.workChannel}"`);
      await client.query(`LISTEN "${this.cancelChannel}"`);
      this.client = client;
      await this.syncClock();
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private connectionLost(client: PgClient, error?: Error): void {
    if (this.client !== client || !this.running) return;
    this.client = null;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.lostAt ??= this.options.clock.now();
    this.options.logger.warn(
      `the coordinator's PostgreSQL connection was lost (${error?.message ?? 'closed'}); idle instances poll every ${this.pollIntervalMs} ms until it is back`,
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.reconnectTimer = this.options.clock.setTimer(() => {
      this.reconnectTimer = null;
      this.connect().then(
        () => {
          const lostFor = this.lostAt === null ? 0 : this.options.clock.now() - this.lostAt;
          this.lostAt = null;
          this.reconnectDelayMs = RECONNECT_FIRST_MS;
          this.options.logger.log(
            `the coordinator's PostgreSQL connection is back after ${lostFor} ms`,
          );
          // Announcements made meanwhile were lost: look now.
          this.signals?.pollAll();
        },
        () => {
          this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
          this.scheduleReconnect();
        },
      );
    }, this.reconnectDelayMs);
  }

  private received(channel: string, payload: string | undefined): void {
    if (payload === undefined || this.signals === null) return;
    deliverMessage(
      channel,
      payload,
      this.workChannel,
      this.cancelChannel,
      this.nodeId,
      this.signals,
    );
  }

  private async flushWork(): Promise<void> {
    this.flushScheduled = false;
    const work = [...this.pendingWork];
    this.pendingWork.clear();
    await Promise.all(
      work.map(([queue, dueAt]) => {
        const message: WorkMessage = { n: this.nodeId, q: queue, d: dueAt };
        // A lost announcement only delays the other instances until their next poll.
        return this.notify(this.workChannel, message).catch(() => undefined);
      }),
    );
  }

  private async notify(channel: string, message: WorkMessage | CancelMessage): Promise<void> {
    const client = this.client;
    if (client === null) return;
    await client.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(message)]);
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = this.options.clock.setTimer(() => {
      this.signals?.pollAll();
      this.schedulePoll();
    }, this.pollIntervalMs);
  }

  private scheduleClockSync(): void {
    if (!this.running) return;
    this.syncTimer = this.options.clock.setTimer(() => {
      void this.syncClock()
        .catch(() => undefined) // the connection's loss is reported where it is noticed
        .finally(() => this.scheduleClockSync());
    }, CLOCK_SYNC_MS);
  }

  /** Measures the database clock against this instance's. */
  private async syncClock(): Promise<void> {
    const client = this.client;
    if (client === null) return;
    const offset = await measureClockOffset(
      () => this.options.clock.now(),
      async () => {
        const { rows } = await client.query(
          'SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now',
        );
        return Number(rows[0]?.now);
      },
    );
    if (offset !== null) this.offsetMs = offset;
  }
}
