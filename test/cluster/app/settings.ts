/**
 * What one instance of a cluster run is told, from CLUSTER_* variables.
 */
import type { Clock, Duration, SchedulerModuleOptions, StoreOptions } from 'nestjs-scheduler';

/** The schedule every instance declares when CLUSTER_CRON is on. */
export const EVERY_SECOND = 'every-second';

export interface ClusterSettings {
  /** CLUSTER_LOG: the execution log shared by every instance. */
  log: string;
  /** CLUSTER_STORE: store options, JSON. */
  store: StoreOptions;
  /** CLUSTER_COORDINATION: coordination options, JSON; absent for instances that only share the store. */
  coordination: SchedulerModuleOptions['coordination'];
  /** CLUSTER_WORKERS. */
  workers: number;
  /** CLUSTER_WORK_MS: `min-max` (or one number) of a 'work' attempt's duration. */
  workMs: { min: number; max: number };
  /** CLUSTER_LEASE, CLUSTER_RENEW. */
  lease: Duration;
  renewEvery: Duration;
  /** CLUSTER_RETRY_DELAY: the delay before an interrupted or failed attempt runs again. */
  retryDelay: Duration;
  /** CLUSTER_CLOCK_OFFSET_MS: when set, the engine's clock runs this far from the machine's. */
  clockOffsetMs: number | null;
  /** CLUSTER_ADD, CLUSTER_ADD_PREFIX: 'work' tasks `prefix0 … prefix(add-1)` added at start. */
  add: number;
  addPrefix: string;
  /** CLUSTER_ADD_SPREAD_MS: the added tasks fall due evenly over this window instead of at once. */
  addSpreadMs: number;
  /** CLUSTER_GO_FILE: adds wait until this file exists, so that instances add together. */
  goFile: string | null;
  /** CLUSTER_CRON: 'on' declares the every-second schedule. */
  cron: boolean;
  /** CLUSTER_EVENTS: 'on' logs each `completed` and `schedule-fired` event. */
  events: boolean;
}

function read(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

function optional(name: string): string | null {
  const value = process.env[name];
  return value === undefined || value === '' ? null : value;
}

function range(text: string): { min: number; max: number } {
  const [min, max = min] = text.split('-').map(Number);
  if (!Number.isInteger(min) || !Number.isInteger(max) || min! < 0 || max! < min!) {
    throw new Error(`CLUSTER_WORK_MS must be "min-max" in whole milliseconds, not ${text}`);
  }
  return { min: min!, max: max! };
}

export function readSettings(): ClusterSettings {
  const coordination = optional('CLUSTER_COORDINATION');
  const offset = optional('CLUSTER_CLOCK_OFFSET_MS');
  return {
    log: read('CLUSTER_LOG'),
    store: JSON.parse(read('CLUSTER_STORE')) as StoreOptions,
    coordination:
      coordination === null
        ? undefined
        : (JSON.parse(coordination) as SchedulerModuleOptions['coordination']),
    workers: Number(read('CLUSTER_WORKERS', '8')),
    workMs: range(read('CLUSTER_WORK_MS', '0')),
    lease: read('CLUSTER_LEASE', '5s'),
    renewEvery: read('CLUSTER_RENEW', '1500ms'),
    retryDelay: read('CLUSTER_RETRY_DELAY', '100ms'),
    clockOffsetMs: offset === null ? null : Number(offset),
    add: Number(read('CLUSTER_ADD', '0')),
    addPrefix: read('CLUSTER_ADD_PREFIX', 'task-'),
    addSpreadMs: Number(read('CLUSTER_ADD_SPREAD_MS', '0')),
    goFile: optional('CLUSTER_GO_FILE'),
    cron: read('CLUSTER_CRON', 'off') === 'on',
    events: read('CLUSTER_EVENTS', 'off') === 'on',
  };
}

/** The machine's clock moved by `offsetMs`, timers unchanged: a node whose clock is wrong. */
export function offsetClock(offsetMs: number): Clock {
  return {
    now: () => Date.now() + offsetMs,
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}
