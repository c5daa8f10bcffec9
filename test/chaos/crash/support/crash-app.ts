/**
 * Runs the crash app (test/chaos/crash/app) as child processes: builds it
 * once, starts instances with their settings, kills them, and reads the log
 * they share.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const entry = join(root, 'dist/test/chaos/crash/app/main.js');

let built = false;

/** Compiles the library and the crash app (once per test file). */
export function buildCrashApp(): void {
  if (built) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.crash.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  built = true;
}

/** What an instance is told, as CRASH_* variables. */
export interface CrashAppSettings {
  log: string;
  store: object;
  /** Tasks to add at start (ids work-0 …). */
  add?: number;
  addConcurrency?: number;
  workMs?: number;
  workers?: number;
  runtimeSchedule?: boolean;
}

/** One running instance. */
export class CrashApp {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
  }

  static start(settings: CrashAppSettings): CrashApp {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CRASH_LOG: settings.log,
      CRASH_STORE: JSON.stringify(settings.store),
      CRASH_ADD: String(settings.add ?? 0),
      CRASH_ADD_CONCURRENCY: String(settings.addConcurrency ?? 50),
      CRASH_WORK_MS: String(settings.workMs ?? 5),
      CRASH_WORKERS: String(settings.workers ?? 8),
      CRASH_RUNTIME_SCHEDULE: String(settings.runtimeSchedule ?? false),
      NO_COLOR: '1',
    };
    return new CrashApp(spawn(process.execPath, [entry], { cwd: root, env }));
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

  /** SIGKILL: no shutdown hook, no flush, nothing. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /**
   * SIGTERM: the graceful stop. Resolves to whether it was clean: the app logged `stopped` (its
   * last shutdown hook ran) and exited by the signal, which Nest raises again once it has closed.
   */
  async stop(log: string): Promise<boolean> {
    if (this.running) this.child.kill('SIGTERM');
    const exit = await this.exited;
    const stopped = readLog(log).some((line) => line.pid === this.pid && line.event === 'stopped');
    return stopped && (exit.code === 0 || exit.signal === 'SIGTERM');
  }
}

/** One line of the crash log. */
export interface LogLine {
  event: string;
  pid: number;
  at: number;
  fields: string[];
}

export function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [event, pid, at, ...fields] = line.split(' ');
      return { event: event!, pid: Number(pid), at: Number(at), fields };
    });
}

/** Waits until the log satisfies `done`, failing with what the apps printed after `timeoutMs`. */
export async function waitForLog(
  path: string,
  done: (lines: LogLine[]) => boolean,
  timeoutMs: number,
  apps: readonly CrashApp[] = [],
): Promise<LogLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = readLog(path);
    if (done(lines)) return lines;
    const crashed = lines.find((line) => line.event === 'crashed');
    if (crashed !== undefined || Date.now() > deadline) {
      const printed = apps.map((app) => app.printed).join('\n');
      throw new Error(
        `${crashed === undefined ? `timed out after ${timeoutMs} ms` : `an app crashed: ${crashed.fields.join(' ')}`}; ` +
          `last lines:\n${lines
            .slice(-5)
            .map((l) => `${l.event} ${l.fields.join(' ')}`)
            .join('\n')}\n${printed}`,
      );
    }
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

/** Resolves at the next instant whose offset within a `period` is `offset` ms. */
export async function alignTo(periodMs: number, offsetMs: number): Promise<void> {
  const wait = (offsetMs - (Date.now() % periodMs) + periodMs) % periodMs;
  await new Promise((done) => setTimeout(done, wait));
}
