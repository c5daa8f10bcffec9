import { SNAPSHOT_GRACE_MS, SNAPSHOT_KEEP_MS, SNAPSHOT_MAX } from './constants.js';

/** Snapshots from the stream, by arrival time, so that a list answer older than them does not undo them. */
const snapshots = new Map();

export function rememberSnapshot(task) {
  snapshots.delete(task.id);
  snapshots.set(task.id, { task, at: Date.now() });
  if (snapshots.size > SNAPSHOT_MAX) snapshots.delete(snapshots.keys().next().value);
}

export function newerSnapshot(task, requestedAt) {
  const known = snapshots.get(task.id);
  return known && known.at >= requestedAt - SNAPSHOT_GRACE_MS ? known.task : task;
}

export function pruneSnapshots() {
  const cutoff = Date.now() - SNAPSHOT_KEEP_MS;
  for (const [id, entry] of snapshots) {
    if (entry.at >= cutoff) break;
    snapshots.delete(id);
  }
}
