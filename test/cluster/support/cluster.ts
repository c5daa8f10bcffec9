/**
 * Runs instances of the cluster app (test/cluster/app) as child processes:
 * builds it, starts instances with their settings, kills (-9), stops
 * (SIGTERM), freezes (SIGSTOP) and thaws (SIGCONT) them, and remembers when
 * each was live, for the analyser.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Interval, Kill } from './analyser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = join(root, 'dist/test/cluster/app/main.js');

let built = false;

/** Compiles the library and the app (once per test file; the crash app shares the build). */
export function buildClusterApp(): void {
  if (built) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.crash.json'],
    { cwd: root, stdio: 'inherit' },
  );
  built = true;
}

/**
 * How the instances coordinate: PostgreSQL coordination unless
 * CLUSTER_TEST_COORDINATION says otherwise, with 'none' (instances that only
 * share the store) or the module's `coordination` option as JSON.
 */
export function coordinationUnderTest(): object | undefined {
  const value = process.env.CLUSTER_TEST_COORDINATION;
  if (value === 'none') return undefined;
  return value === undefined || value === '' || value === 'postgres'
    ? { type: 'postgres' }
    : (JSON.parse(value) as object);
}

/** What an instance is told, as CLUSTER_* variables (see test/cluster/app/settings.ts). */
export interface InstanceSettings {
  log: string;
  store: object;
  coordination?: object;
  workers?: number;
  /** One duration, or [min, max], of each 'work' attempt in ms. */
  workMs?: number | [number, number];
  lease?: string;
  renewEvery?: string;
  retryDelay?: string;
  clockOffsetMs?: number;
  add?: number;
  addPrefix?: string;
  addSpreadMs?: number;
  goFile?: string;
  cron?: boolean;
  events?: boolean;
}

function environment(settings: InstanceSettings): NodeJS.ProcessEnv {
  const work = settings.workMs ?? 0;
  const [min, max] = Array.isArray(work) ? work : [work, work];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    CLUSTER_LOG: settings.log,
    CLUSTER_STORE: JSON.stringify(settings.store),
    CLUSTER_WORKERS: String(settings.workers ?? 8),
    CLUSTER_WORK_MS: `${min}-${max}`,
    CLUSTER_LEASE: settings.lease ?? '5s',
    CLUSTER_RENEW: settings.renewEvery ?? '1500ms',
    CLUSTER_RETRY_DELAY: settings.retryDelay ?? '100ms',
    CLUSTER_ADD: String(settings.add ?? 0),
    CLUSTER_ADD_PREFIX: settings.addPrefix ?? 'task-',
    CLUSTER_ADD_SPREAD_MS: String(settings.addSpreadMs ?? 0),
    CLUSTER_CRON: settings.cron === true ? 'on' : 'off',
    CLUSTER_EVENTS: settings.events === true ? 'on' : 'off',
  };
  for (const name of ['CLUSTER_COORDINATION', 'CLUSTER_CLOCK_OFFSET_MS', 'CLUSTER_GO_FILE']) {
    delete env[name];
  }
  if (settings.coordination !== undefined) {
    env.CLUSTER_COORDINATION = JSON.stringify(settings.coordination);
  }
  if (settings.clockOffsetMs !== undefined) {
    env.CLUSTER_CLOCK_OFFSET_MS = String(settings.clockOffsetMs);
  }
  if (settings.goFile !== undefined) env.CLUSTER_GO_FILE = settings.goFile;
  return env;
}

/** Output kept per instance: enough for a stack trace, bounded for a long run. */
const MAX_PRINTED = 64 * 1024;

/** One running (or exited) instance. */
export class Instance {
  readonly startedAt = Date.now();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** When this instance stopped running: killed, stopped or exited by itself. */
  endedAt: number | null = null;
  /** Whether the test ended it (kill or stop), so that its exit is expected. */
  ended = false;
  killed = false;
  /** Freezes: [SIGSTOP sent, SIGCONT sent). */
  readonly pauses: Interval[] = [];
  private output = '';

  constructor(
    private readonly child: ChildProcess,
    readonly settings: InstanceSettings,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-MAX_PRINTED);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.endedAt ??= Date.now();
        done({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the process printed (errors, mostly). */
  get printed(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get paused(): boolean {
    return this.pauses.length > 0 && this.pauses.at(-1)!.to === Infinity;
  }

  /** SIGKILL: no shutdown hook, no flush, nothing. Its death counts from the signal. */
  async kill(): Promise<void> {
    if (this.running) {
      this.ended = true;
      this.killed = true;
      this.endedAt = Date.now();
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** SIGTERM, the graceful stop: resolves once the process has exited. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.ended = true;
      if (this.paused) this.resume();
      this.child.kill('SIGTERM');
    }
    return this.exited;
  }

  /** SIGSTOP: the process is frozen, its timers and sockets untouched, as in a long GC pause. */
  pause(): void {
    this.pauses.push({ from: Date.now(), to: Infinity });
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
    this.pauses.at(-1)!.to = Date.now();
  }

  /** When the process could run: from its start to its end, minus its freezes. */
  liveness(now = Date.now()): Interval[] {
    const end = this.endedAt ?? now;
    const live: Interval[] = [];
    let from = this.startedAt;
    for (const pause of this.pauses) {
      live.push({ from, to: pause.from });
      from = pause.to;
    }
    if (from < end) live.push({ from, to: end });
    return live.filter((interval) => interval.to > interval.from);
  }
}

/** The instances of one run. */
export class Cluster {
  readonly instances: Instance[] = [];

  start(settings: InstanceSettings): Instance {
    const child = spawn(process.execPath, [entry], { cwd: root, env: environment(settings) });
    const instance = new Instance(child, settings);
    this.instances.push(instance);
    return instance;
  }

  get running(): Instance[] {
    return this.instances.filter((instance) => instance.running);
  }

  /** Instances that exited without the test ending them (a crash). */
  get crashed(): Instance[] {
    return this.instances.filter((instance) => !instance.running && !instance.ended);
  }

  /** Pid → when it could run, for the analyser. */
  liveness(): Map<number, Interval[]> {
    return new Map(this.instances.map((instance) => [instance.pid, instance.liveness()]));
  }

  /** Every SIGKILL sent, and every freeze that outlasted `leaseMs` (its node was then taken for dead). */
  losses(leaseMs: number): Kill[] {
    const losses: Kill[] = [];
    for (const instance of this.instances) {
      if (instance.killed) losses.push({ pid: instance.pid, at: instance.endedAt! });
      for (const pause of instance.pauses) {
        if (pause.to - pause.from > leaseMs) losses.push({ pid: instance.pid, at: pause.from });
      }
    }
    return losses;
  }

  /** What the instances printed, for a failure message. */
  printed(): string {
    return this.instances
      .filter((instance) => instance.printed.trim().length > 0)
      .map((instance) => `--- pid ${instance.pid}:\n${instance.printed.slice(-4000)}`)
      .join('\n');
  }

  /** Gracefully stops every running instance; resolves to those that did not exit cleanly. */
  async stopAll(): Promise<Instance[]> {
    const running = this.running;
    const exits = await Promise.all(running.map((instance) => instance.stop()));
    return running.filter(
      (_instance, i) => !(exits[i]!.code === 0 || exits[i]!.signal === 'SIGTERM'),
    );
  }

  async killAll(): Promise<void> {
    await Promise.all(
      this.instances.map(async (instance) => {
        if (instance.paused) instance.resume();
        await instance.kill();
      }),
    );
  }
}
