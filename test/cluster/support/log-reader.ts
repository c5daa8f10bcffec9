/**
 * Reads the execution log the instances append to, incrementally: each read
 * parses only what was appended since the last, so that a test can poll a
 * log of tens of thousands of lines without competing with the instances
 * for the CPU.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionEvent } from '../app/execution-log.js';
import type { Cluster } from './cluster.js';

/** The events of one type. */
export type EventOf<E extends ExecutionEvent['e']> = ExecutionEvent & { e: E };

export class LogReader {
  readonly events: ExecutionEvent[] = [];
  /** Lines that did not parse: a SIGKILL in the middle of a write leaves at most one per kill. */
  malformed = 0;
  /** Tasks with an attempt whose handler returned normally. */
  readonly finished = new Set<string>();
  private readonly counts = new Map<ExecutionEvent['e'], number>();
  private offset = 0;
  private rest = '';

  constructor(readonly path: string) {}

  count(type: ExecutionEvent['e']): number {
    return this.counts.get(type) ?? 0;
  }

  /** The events of one type read so far. */
  of<E extends ExecutionEvent['e']>(type: E): EventOf<E>[] {
    return this.events.filter((event): event is EventOf<E> => event.e === type);
  }

  /** Parses what was appended since the last read; returns every event so far. */
  read(): ExecutionEvent[] {
    if (!existsSync(this.path)) return this.events;
    const size = statSync(this.path).size;
    if (size <= this.offset) return this.events;
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.rest + buffer.toString('utf8')).split('\n');
    // The last piece is a line still being written (or empty after the final newline).
    this.rest = lines.pop()!;
    for (const line of lines) this.add(line);
    return this.events;
  }

  private add(line: string): void {
    let event: ExecutionEvent;
    try {
      event = JSON.parse(line) as ExecutionEvent;
    } catch {
      this.malformed += 1;
      return;
    }
    if (typeof event !== 'object' || event === null || typeof event.e !== 'string') {
      this.malformed += 1;
      return;
    }
    this.events.push(event);
    this.counts.set(event.e, this.count(event.e) + 1);
    if (event.e === 'end' && event.outcome === 'ok') this.finished.add(event.task);
  }

  /**
   * Polls until `done` holds. Fails at once when an instance logs `crashed`
   * or exits without the test ending it, and after `timeoutMs`, with the
   * last lines and what the instances printed.
   */
  async waitFor(
    what: string,
    done: (log: LogReader) => boolean,
    timeoutMs: number,
    cluster?: Cluster,
  ): Promise<void> {
    if (!(await this.waitUntil(what, done, timeoutMs, cluster))) {
      throw new Error(
        `waiting for ${what}: timed out after ${timeoutMs} ms\n${this.context(cluster)}`,
      );
    }
  }

  /**
   * Like waitFor, but resolves to false after `timeoutMs` instead of failing,
   * for conditions whose absence the test's own checks then report.
   */
  async waitUntil(
    what: string,
    done: (log: LogReader) => boolean,
    timeoutMs: number,
    cluster?: Cluster,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.read();
      if (done(this)) return true;
      const crashed = this.events.find((event) => event.e === 'crashed');
      const dead = cluster?.crashed ?? [];
      if (crashed !== undefined || dead.length > 0) {
        const why =
          crashed !== undefined && crashed.e === 'crashed'
            ? `an instance crashed: ${crashed.detail ?? ''}`
            : `instance(s) ${dead.map((instance) => instance.pid).join(', ')} exited by themselves`;
        throw new Error(`waiting for ${what}: ${why}\n${this.context(cluster)}`);
      }
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  }

  private context(cluster: Cluster | undefined): string {
    const tail = this.events
      .slice(-8)
      .map((event) => JSON.stringify(event))
      .join('\n');
    return `last lines:\n${tail}\n${cluster?.printed() ?? ''}`;
  }
}
