import type { CronExpression } from './cron/cron-expression.js';
import type { TimelineEntry } from './timeline.js';
import type { ScheduleRecord } from './types.js';

/** A schedule and its state on this node. */
export interface LiveSchedule {
  record: ScheduleRecord;
  cron: CronExpression | null;
  entry: TimelineEntry;
  /** Unfinished runs (task ids): what the overlap policy looks at. */
  active: Set<string>;
  /** Fire times held back by overlap 'queue' until the running one finishes. */
  deferred: number[];
  /** Loaded from the store: its missed fires follow the misfire policy at start. */
  loaded: boolean;
  /** Fires being created (not manual triggers): a pause or removal waits for them to be reported. */
  creating: Set<Promise<unknown>>;
  /** Runs (task ids) this node is creating right now: not yet in the store. */
  inserting: Set<string>;
  /** Removed from this node: fires still being created are dropped. */
  removed: boolean;
}
