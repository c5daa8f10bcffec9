import type { HeapNode } from '../../core/min-heap.js';
import type { TaskRecord } from '../../core/types.js';
import type { LaneItem } from './ordered-lane.js';

/** A task record as the memory store keeps it: with its insertion order and heap slot. */
export interface StoredTask extends TaskRecord, HeapNode, LaneItem {
  seq: number;
  /** The status counts of this task's (queue, name), looked up once at insert. */
  counts: Int32Array;
}
