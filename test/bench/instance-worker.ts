/**
 * An engine instance in a process of its own (`--instances N` forks N-1 of
 * these; see instance-hosts.ts). For each deployment the main process asks
 * it to start an engine over the deployment's store, with the PostgreSQL
 * coordinator and the handlers named; it reports completions as its store
 * records them, and on stop what it observed. It stays silent, and exits
 * when the main process goes away (the IPC channel closes).
 */
import { createTypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import type { PostgresCoordinator } from '../../lib/coordination/postgres/postgres-coordinator.js';
import type { Scheduler } from '../../lib/core/scheduler.js';
import { LatenessProbe, noop } from './handlers.js';
import {
  COMPLETION_REPORT_MS,
  coordinatedScheduler,
  type FromWorker,
  type InstanceReport,
  type ToWorker,
} from './instance.js';
import { CompletionCounter, observed, SilentLogger } from './observation.js';
import { now } from './stats.js';
import { StoreCalls, type CallCounts } from './store-calls.js';

type StartMessage = Extract<ToWorker, { type: 'start' }>;

function send(message: FromWorker): void {
  process.send?.(message);
}

/**
 * Sends the running total of completions at most every
 * {@link COMPLETION_REPORT_MS}: at once after a quiet spell, otherwise when
 * the spell ends, so that the last completion is seen at most that late and
 * a burst costs the main process a hundred messages a second, not one per
 * store write.
 */
class CompletionReporter {
  private sentAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private count = 0;

  constructor(private readonly id: number) {}

  changed(count: number): void {
    this.count = count;
    if (this.timer !== null) return;
    const wait = this.sentAt + COMPLETION_REPORT_MS - now();
    if (wait <= 0) this.send();
    else this.timer = setTimeout(() => this.send(), wait);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private send(): void {
    this.timer = null;
    this.sentAt = now();
    send({ type: 'completed', id: this.id, count: this.count });
  }
}

interface Instance {
  scheduler: Scheduler;
  coordinator: PostgresCoordinator;
  probe: LatenessProbe | null;
  completions: CompletionCounter;
  reporter: CompletionReporter;
  calls: StoreCalls;
  /** The calls made before the instance had started. */
  callsAtStart: CallCounts;
  logger: SilentLogger;
}

const instances = new Map<number, Instance>();

async function start({ id, store: storeOptions, options, handlers }: StartMessage): Promise<void> {
  const logger = new SilentLogger();
  const calls = new StoreCalls();
  const reporter = new CompletionReporter(id);
  const completions = new CompletionCounter((count) => reporter.changed(count));
  const store = observed(await createTypeOrmTaskStore(storeOptions), completions, calls);
  const { scheduler, coordinator } = coordinatedScheduler(store, storeOptions, options, logger);
  let probe: LatenessProbe | null = null;
  for (const [name, kind] of Object.entries(handlers)) {
    if (kind === 'noop') {
      scheduler.registerHandler(name, { execute: noop });
    } else {
      probe ??= new LatenessProbe(options.queueSize ?? 1_000);
      scheduler.registerHandler(name, { execute: probe.execute });
    }
  }
  try {
    await scheduler.start();
  } catch (error) {
    // This process lives on: a failed start must not leave its store's connections open.
    await scheduler.stop().catch(() => undefined);
    throw error;
  }
  // Before the adds, which the main process makes once every instance has started.
  probe?.begin();
  instances.set(id, {
    scheduler,
    coordinator,
    probe,
    completions,
    reporter,
    calls,
    callsAtStart: calls.snapshot(),
    logger,
  });
  send({ type: 'started', id, nodeId: scheduler.nodeId });
}

async function stop(id: number): Promise<InstanceReport | null> {
  const instance = instances.get(id);
  if (instance === undefined) return null;
  instances.delete(id);
  const { scheduler, coordinator, probe, completions, reporter, calls, callsAtStart, logger } =
    instance;
  probe?.end();
  await scheduler.stop();
  reporter.stop();
  return {
    nodeId: scheduler.nodeId,
    completed: completions.completed,
    calls: calls.since(callsAtStart),
    problems: { warnings: logger.warnings, errors: logger.errors, lastProblem: logger.lastProblem },
    clockOffsetMs: coordinator.clockOffsetMs,
    lateness: probe?.report() ?? null,
  };
}

const describe = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

process.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    start(message).catch((error: unknown) =>
      send({ type: 'failed', id: message.id, message: describe(error) }),
    );
  } else {
    stop(message.id).then(
      (report) => send({ type: 'stopped', id: message.id, report }),
      (error: unknown) => send({ type: 'failed', id: message.id, message: describe(error) }),
    );
  }
});

// The main process is gone (or done with us): the deployment's storage is its to drop.
process.on('disconnect', () => process.exit(0));
