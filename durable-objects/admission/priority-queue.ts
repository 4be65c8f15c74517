import { REQUEST_PRIORITIES, type RequestPriority } from "../contracts/admission";

/**
 * A bounded queue of four priority classes, critical > high > normal > low, FIFO inside a class.
 *
 * Full queue: an arrival evicts the lowest-priority, most recent waiter of a class strictly
 * below its own (that waiter has invested the least and matters least); otherwise the
 * arrival itself is refused.
 *
 * Anti-starvation bound: `poll` serves the highest non-empty class, except that it may
 * bypass the oldest waiter of the whole queue at most `starvationBound` times in a row;
 * the next poll serves that oldest waiter. So once a waiter is the oldest in the queue it is
 * served within `starvationBound + 1` polls, and a waiter with n older waiters at arrival is
 * served within (n + 1) * (starvationBound + 1) polls, unless it leaves earlier (deadline,
 * eviction). Higher classes keep at least starvationBound / (starvationBound + 1) of the
 * grants while older lower-class work is waiting.
 */

/** With 8, lower classes get at least one grant in nine while they hold the oldest waiter. */
export const DEFAULT_STARVATION_BOUND = 8;

export interface QueueEntry {
  /** Arrival order: strictly increasing across offers. */
  readonly seq: number;
  readonly priority: RequestPriority;
}

export type OfferResult<T> = { accepted: true; evicted?: T } | { accepted: false };

const RANK: Record<RequestPriority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

export function priorityRank(priority: RequestPriority): number {
  return RANK[priority];
}

export class PriorityQueue<T extends QueueEntry> {
  /** One FIFO per class, indexed by rank; each is sorted by seq because seqs only grow. */
  private readonly lanes: T[][] = REQUEST_PRIORITIES.map(() => []);
  private total = 0;
  /** Consecutive polls that passed over the oldest waiter. */
  private bypassed = 0;

  constructor(
    private capacity: number,
    readonly starvationBound: number = DEFAULT_STARVATION_BOUND,
  ) {
    assertCapacity(capacity);
    if (!Number.isInteger(starvationBound) || starvationBound < 0) throw new RangeError(`starvationBound must be an integer >= 0, got ${starvationBound}`);
  }

  get size(): number {
    return this.total;
  }

  get bound(): number {
    return this.capacity;
  }

  sizeOf(priority: RequestPriority): number {
    return this.lane(priority).length;
  }

  counts(): Record<RequestPriority, number> {
    return { critical: this.sizeOf("critical"), high: this.sizeOf("high"), normal: this.sizeOf("normal"), low: this.sizeOf("low") };
  }

  /** Waiters a new arrival of `priority` would queue behind (its own class and above). */
  aheadOf(priority: RequestPriority): number {
    let n = 0;
    for (let rank = 0; rank <= RANK[priority]; rank++) n += this.lanes[rank]?.length ?? 0;
    return n;
  }

  offer(item: T): OfferResult<T> {
    if (this.total < this.capacity) {
      this.push(item);
      return { accepted: true };
    }
    const victimLane = this.lowestLaneBelow(RANK[item.priority]);
    if (!victimLane) return { accepted: false };
    const evicted = victimLane.pop();
    if (!evicted) return { accepted: false };
    this.total--;
    this.push(item);
    return { accepted: true, evicted };
  }

  poll(): T | undefined {
    const top = this.lanes.find((lane) => lane.length > 0);
    if (!top) return undefined;
    const oldestLane = this.oldestLane();
    let from = top;
    if (oldestLane && oldestLane !== top) {
      if (this.bypassed >= this.starvationBound) {
        from = oldestLane;
        this.bypassed = 0;
      } else {
        this.bypassed++;
      }
    } else {
      this.bypassed = 0;
    }
    const item = from.shift();
    if (item) this.total--;
    return item;
  }

  oldest(): T | undefined {
    return this.oldestLane()?.[0];
  }

  /** Removes and returns every waiter matching `predicate` (deadline expiry). */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const lane of this.lanes) {
      for (let i = lane.length - 1; i >= 0; i--) {
        const item = lane[i];
        if (item && predicate(item)) {
          lane.splice(i, 1);
          removed.push(item);
        }
      }
    }
    this.total -= removed.length;
    return removed.sort((a, b) => a.seq - b.seq);
  }

  /** A smaller bound evicts the overflow, lowest priority and most recent first. */
  resize(capacity: number): T[] {
    assertCapacity(capacity);
    this.capacity = capacity;
    const evicted: T[] = [];
    while (this.total > this.capacity) {
      const lane = this.lowestLaneBelow(-1);
      const item = lane?.pop();
      if (!item) break;
      this.total--;
      evicted.push(item);
    }
    return evicted;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const lane of this.lanes) yield* lane;
  }

  private push(item: T): void {
    this.lane(item.priority).push(item);
    this.total++;
  }

  private lane(priority: RequestPriority): T[] {
    const lane = this.lanes[RANK[priority]];
    if (!lane) throw new RangeError(`unknown priority ${String(priority)}`);
    return lane;
  }

  /** The lowest-priority non-empty lane whose rank is strictly greater (lower priority) than `rank`. */
  private lowestLaneBelow(rank: number): T[] | undefined {
    for (let r = this.lanes.length - 1; r > rank; r--) {
      const lane = this.lanes[r];
      if (lane && lane.length > 0) return lane;
    }
    return undefined;
  }

  private oldestLane(): T[] | undefined {
    let best: T[] | undefined;
    for (const lane of this.lanes) {
      const head = lane[0];
      if (head && (!best || head.seq < (best[0]?.seq ?? Infinity))) best = lane;
    }
    return best;
  }
}

function assertCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`queue capacity must be an integer >= 0, got ${capacity}`);
}
