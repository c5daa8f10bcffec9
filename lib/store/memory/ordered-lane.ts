/** An item of an {@link OrderedLane}: the lane stamps it with a token while it holds it (0 otherwise). */
export interface LaneItem {
  laneToken: number;
}

let nextToken = 1;

/**
 * A deque kept in key order, built for items that almost always arrive in
 * order (tasks fall due, and finish, in time order): appending and taking
 * from the front are O(1), where a heap would pay O(log n) per item. An
 * item that arrives out of order is placed by a scan from the back.
 *
 * Removal from anywhere is O(1): the item's token stops matching its slot,
 * which is skipped from then on and dropped at the next compaction.
 */
export class OrderedLane<T extends LaneItem> {
  private items: T[] = [];
  private tokens: number[] = [];
  private head = 0;
  private live = 0;

  /** @param before strict order: true when `a` must come out before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.live;
  }

  push(item: T): void {
    const token = nextToken++;
    item.laneToken = token;
    this.live += 1;
    const at = this.insertionPoint(item);
    if (at === this.items.length) {
      this.items.push(item);
      this.tokens.push(token);
    } else {
      this.items.splice(at, 0, item);
      this.tokens.splice(at, 0, token);
    }
  }

  /** Removes `item` if this lane holds it (its token says so); returns whether it did. */
  remove(item: T): boolean {
    if (item.laneToken === 0) return false;
    item.laneToken = 0;
    this.live -= 1;
    this.compact();
    return true;
  }

  peek(): T | undefined {
    this.skipStale();
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    const item = this.peek();
    if (item !== undefined) this.remove(item);
    return item;
  }

  /** The items in order; the lane must not change while iterating. */
  *[Symbol.iterator](): IterableIterator<T> {
    this.skipStale();
    for (let i = this.head; i < this.items.length; i += 1) {
      if (this.holds(i)) yield this.items[i]!;
    }
  }

  /** Whether some item is accepted by `accept`, front first. */
  some(accept: (item: T) => boolean): boolean {
    this.skipStale();
    for (let i = this.head; i < this.items.length; i += 1) {
      if (this.holds(i) && accept(this.items[i]!)) return true;
    }
    return false;
  }

  /**
   * Takes out up to `limit` items accepted by `accept`, from the front, into
   * `into`; refused items keep their place. Returns how many it took.
   */
  takeFront(limit: number, accept: (item: T) => boolean, into: T[]): number {
    this.skipStale();
    let taken = 0;
    for (let i = this.head; i < this.items.length && taken < limit; i += 1) {
      const item = this.items[i]!;
      if (this.tokens[i] !== item.laneToken || !accept(item)) continue;
      item.laneToken = 0;
      this.live -= 1;
      into.push(item);
      taken += 1;
    }
    this.skipStale();
    this.compact();
    return taken;
  }

  private holds(index: number): boolean {
    return this.tokens[index] === this.items[index]!.laneToken;
  }

  /** After every live item that must not come after `item`; stale slots do not count. */
  private insertionPoint(item: T): number {
    let at = this.items.length;
    let behindLive = false;
    for (let index = at - 1; index >= this.head; index -= 1) {
      if (this.holds(index)) {
        if (!this.before(item, this.items[index]!)) break;
        behindLive = true;
      }
      at = index;
    }
    return behindLive ? at : this.items.length;
  }

  private skipStale(): void {
    while (this.head < this.items.length && !this.holds(this.head)) this.head += 1;
  }

  /**
   * Drops consumed and stale slots once they are half the array, so that
   * removed items are not held (amortised O(1): each rebuild halves it).
   */
  private compact(): void {
    const length = this.items.length;
    if (this.live === 0) {
      this.items = [];
      this.tokens = [];
      this.head = 0;
    } else if (length > 64 && this.live * 2 < length) {
      const items: T[] = [];
      const tokens: number[] = [];
      for (let i = this.head; i < length; i += 1) {
        if (!this.holds(i)) continue;
        items.push(this.items[i]!);
        tokens.push(this.tokens[i]!);
      }
      this.items = items;
      this.tokens = tokens;
      this.head = 0;
    }
  }
}
