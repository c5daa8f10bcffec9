/**
 * The TaskStore contract written as plainly as possible: arrays, filters
 * and sorts, no indexes. The property tests run random operations on a real
 * store and on this model and compare every answer. Where the contract
 * leaves a choice open (ties in lease expiry or completion time, which full
 * queue a refusal names), the model returns every acceptable answer and the
 * test checks the store's answer is one of them.
 */
import {
  ACTIVE_STATUSES,
  FINISHED_STATUSES,
  MAX_ATTEMPT_HISTORY,
  WAITING_STATUSES,
  type TaskRecord,
} from '../../lib/core/types.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertOutcome,
  InsertRequest,
  LeaseRenewal,
  PruneRule,
  TaskCount,
  TaskPage,
  TaskQuery,
  TaskUpdate,
} from '../../lib/store/task-store.js';

interface Row {
  record: TaskRecord;
  /** Insertion order: the last tie-break of claims and listings. */
  seq: number;
}

/** What a model insert expects: the outcomes, or the queues any of which a refusal may name. */
export type ModelInsertResult =
  | { ok: true; outcomes: InsertOutcome[] }
  | { ok: false; full: { queue: string; maxSize: number; waiting: number }[] };

const clone = (record: TaskRecord): TaskRecord => ({ ...record, history: [...record.history] });

export class ReferenceStore {
  private rows = new Map<string, Row>();
  private seq = 0;

  get(id: string): TaskRecord | null {
    const row = this.rows.get(id);
    return row === undefined ? null : clone(row.record);
  }

  all(): TaskRecord[] {
    return [...this.rows.values()].map((row) => clone(row.record));
  }

  insert(request: InsertRequest): ModelInsertResult {
    const staged = new Map<string, TaskRecord>();
    const outcomes: InsertOutcome[] = [];
    for (const task of request.tasks) {
      const existing = staged.get(task.id) ?? this.rows.get(task.id)?.record;
      if (
        existing !== undefined &&
        (request.mode === 'once' || ACTIVE_STATUSES.includes(existing.status))
      ) {
        outcomes.push({ inserted: false, existing: clone(existing) });
      } else {
        staged.set(task.id, task);
        outcomes.push({ inserted: true });
      }
    }
    const adding = new Map<string, number>();
    for (const task of staged.values()) {
      if (WAITING_STATUSES.includes(task.status))
        adding.set(task.queue, (adding.get(task.queue) ?? 0) + 1);
    }
    const full: { queue: string; maxSize: number; waiting: number }[] = [];
    for (const [queue, count] of adding) {
      const maxSize = request.capacity[queue];
      if (maxSize === undefined) continue;
      const waiting = this.waiting(queue);
      if (waiting + count > maxSize) full.push({ queue, maxSize, waiting });
    }
    if (full.length > 0) return { ok: false, full };
    for (const task of staged.values()) {
      this.rows.delete(task.id);
      this.rows.set(task.id, { record: clone(task), seq: (this.seq += 1) });
    }
    return { ok: true, outcomes };
  }

  claim(request: ClaimRequest): ClaimResult {
    const claimable = (row: Row): boolean =>
      row.record.queue === request.queue &&
      WAITING_STATUSES.includes(row.record.status) &&
      request.names.has(row.record.name);
    const due = [...this.rows.values()]
      .filter((row) => claimable(row) && row.record.scheduledAt <= request.now)
      .sort(
        (a, b) =>
          b.record.priority - a.record.priority ||
          a.record.scheduledAt - b.record.scheduledAt ||
          a.seq - b.seq,
      )
      .slice(0, request.limit);
    const tasks = due.map((row) => {
      const record = row.record;
      record.status = 'running';
      record.attempts += 1;
      record.startedAt = request.now;
      record.nodeId = request.owner;
      record.lockedBy = request.owner;
      record.lockedUntil = request.now + request.leaseMs;
      return clone(record);
    });
    const remaining = [...this.rows.values()].filter(claimable);
    const earliest = Math.min(...remaining.map((row) => row.record.scheduledAt));
    return { tasks, nextDueAt: remaining.length === 0 ? null : Math.max(request.now, earliest) };
  }

  update(update: TaskUpdate): boolean {
    const record = this.rows.get(update.id)?.record;
    if (record === undefined || !update.expect.statuses.includes(record.status)) return false;
    if (update.expect.owner !== undefined && record.lockedBy !== update.expect.owner) return false;
    if (update.expect.attempt !== undefined && record.attempts !== update.expect.attempt)
      return false;
    for (const [key, value] of Object.entries(update.set)) {
      if (value !== undefined) Object.assign(record, { [key]: value });
    }
    if (update.appendAttempt !== undefined) {
      record.history = [...record.history, update.appendAttempt].slice(-MAX_ATTEMPT_HISTORY);
    }
    return true;
  }

  renew(owner: string, lease: LeaseRenewal, now: number, leaseMs: number): boolean {
    const record = this.rows.get(lease.id)?.record;
    if (
      record?.status !== 'running' ||
      record.lockedBy !== owner ||
      record.attempts !== lease.attempt
    )
      return false;
    record.lockedUntil = now + leaseMs;
    return true;
  }

  /** Every expired lease, oldest first; a store's answer to `limit` is any prefix-equivalent. */
  expired(now: number): TaskRecord[] {
    return this.all()
      .filter((t) => t.status === 'running' && t.lockedUntil !== null && t.lockedUntil < now)
      .sort((a, b) => a.lockedUntil! - b.lockedUntil!);
  }

  list(query: TaskQuery): TaskPage {
    const matches = [...this.rows.values()]
      .filter(
        ({ record }) =>
          (query.statuses === undefined || query.statuses.includes(record.status)) &&
          (query.queue === undefined || record.queue === query.queue) &&
          (query.name === undefined || record.name === query.name),
      )
      .sort((a, b) => b.record.createdAt - a.record.createdAt || b.seq - a.seq);
    return {
      tasks: matches
        .slice(query.offset, query.offset + query.limit)
        .map((row) => clone(row.record)),
      total: matches.length,
    };
  }

  counts(): TaskCount[] {
    const counts = new Map<string, TaskCount>();
    for (const { record } of this.rows.values()) {
      const key = JSON.stringify([record.queue, record.name, record.status]);
      const row = counts.get(key);
      if (row === undefined)
        counts.set(key, {
          queue: record.queue,
          name: record.name,
          status: record.status,
          count: 1,
        });
      else row.count += 1;
    }
    return sortCounts([...counts.values()]);
  }

  /** The finished tasks one prune call may remove, oldest first, with how many it removes. */
  pruneCandidates(rule: PruneRule): { removable: TaskRecord[]; count: number } {
    const finished = this.all()
      .filter((t) => FINISHED_STATUSES.includes(t.status))
      .sort((a, b) => a.completedAt! - b.completedAt!);
    const tooOld = finished.filter((t) => t.completedAt! < rule.finishedBefore).length;
    const removable = Math.max(tooOld, finished.length - rule.keepNewest);
    return {
      removable: finished.slice(0, removable),
      count: Math.min(removable, rule.batchSize),
    };
  }

  remove(id: string): void {
    this.rows.delete(id);
  }

  private waiting(queue: string): number {
    let waiting = 0;
    for (const { record } of this.rows.values()) {
      if (record.queue === queue && WAITING_STATUSES.includes(record.status)) waiting += 1;
    }
    return waiting;
  }
}

/** Count rows in a fixed order, so that two answers compare with toEqual. */
export function sortCounts(rows: readonly TaskCount[]): TaskCount[] {
  const key = (row: TaskCount): string => `${row.queue}\u0000${row.name}\u0000${row.status}`;
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
