/** An element that knows its slot in an {@link IndexedMinHeap} (-1 when outside). */
export interface HeapNode {
  heapIndex: number;
}

/**
 * A binary min-heap whose elements record their own position, so that any
 * element can be removed or re-keyed in O(log n). Removal must be exact
 * rather than lazy: a cancelled entry left in place would hold its memory
 * until its due time, which may be months away.
 */
export class IndexedMinHeap<T extends HeapNode> {
  private items: T[] = [];
  /** Largest size since the backing array was last trimmed. */
  private highWater = 0;

  /** @param less strict ordering: true when `a` must come out before `b`. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    if (this.items.length > this.highWater) this.highWater = this.items.length;
    this.siftUp(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes `item` if it is in this heap; returns whether it was. */
  remove(item: T): boolean {
    const index = item.heapIndex;
    if (index < 0 || this.items[index] !== item) return false;
    this.removeAt(index);
    return true;
  }

  /** Restores order after `item`'s key changed. */
  update(item: T): void {
    if (item.heapIndex < 0 || this.items[item.heapIndex] !== item) return;
    this.siftUp(item.heapIndex);
    this.siftDown(item.heapIndex);
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Empties the heap, detaching every element. */
  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items = [];
    this.highWater = 0;
  }

  private removeAt(index: number): void {
    const items = this.items;
    const removed = items[index]!;
    const last = items.pop()!;
    removed.heapIndex = -1;
    if (index < items.length) {
      items[index] = last;
      last.heapIndex = index;
      this.siftUp(index);
      this.siftDown(last.heapIndex);
    }
    this.trim();
  }

  /**
   * Arrays keep their capacity when they shrink: after a burst of 100,000
   * cancelled tasks the heap would hold a megabyte of empty slots for good.
   * Copy the array once it is a quarter of its peak (amortised O(1)).
   */
  private trim(): void {
    const length = this.items.length;
    if (this.highWater < 1024 || length > this.highWater / 4) return;
    this.items = this.items.slice();
    this.highWater = length;
  }

  private siftUp(start: number): void {
    const items = this.items;
    const item = items[start]!;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!this.less(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const length = items.length;
    const item = items[start]!;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.less(items[right]!, items[left]!) ? right : left;
      if (!this.less(items[child]!, item)) break;
      items[index] = items[child]!;
      items[index]!.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
