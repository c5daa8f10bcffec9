import { openSync, writeSync } from 'node:fs';

/** An attempt's handler began. `due` is the task's scheduled time (a fire's own time for schedules). */
export interface StartEvent {
  e: 'start';
  task: string;
  attempt: number;
  node: string;
  pid: number;
  t: number;
  due: number;
  schedule: string | null;
}

/** An attempt's handler returned: `aborted` if its signal had been aborted by then. */
export interface EndEvent {
  e: 'end';
  task: string;
  attempt: number;
  node: string;
  pid: number;
  t: number;
  outcome: 'ok' | 'aborted';
}

/** The engine recorded a task as completed (its `completed` event, emitted after the write). */
export interface CompletedEvent {
  e: 'completed';
  task: string;
  attempt: number;
  node: string;
  pid: number;
  t: number;
}

/** A schedule's fire was created by this instance (its `schedule-fired` event): `task` is the fire's task. */
export interface FiredEvent {
  e: 'fired';
  task: string;
  schedule: string;
  node: string;
  pid: number;
  t: number;
}

/** Tasks `prefix + n`, n in [from, to), were acknowledged by the store. */
export interface AddedEvent {
  e: 'added';
  prefix: string;
  from: number;
  to: number;
  pid: number;
  t: number;
}

/** Everything else an instance reports about itself. */
export interface LifecycleEvent {
  e: 'boot' | 'ready' | 'all-added' | 'stopped' | 'crashed' | 'warn' | 'error';
  pid: number;
  t: number;
  node?: string;
  detail?: string;
}

/** One line of the execution log. */
export type ExecutionEvent =
  StartEvent | EndEvent | CompletedEvent | FiredEvent | AddedEvent | LifecycleEvent;

/** Events of an execution as they are written: the writer stamps `pid` and `t`. */
export type Unstamped<E> = E extends ExecutionEvent ? Omit<E, 'pid' | 't'> : never;

/**
 * The log every instance of a cluster run appends to: one JSON line per
 * event, each a single write(2) on a descriptor opened for appending, so
 * lines of several processes never interleave and a SIGKILL loses at most
 * the line being written.
 */
export class ExecutionLog {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  write(event: Unstamped<ExecutionEvent>): void {
    writeSync(this.fd, `${JSON.stringify({ ...event, pid: process.pid, t: Date.now() })}\n`);
  }
}
