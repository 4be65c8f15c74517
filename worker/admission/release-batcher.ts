/**
 * Releases to one controller from one isolate, sent as group commits: a release with no call
 * of its controller's under way is sent at once; those that end while one is under way wait for
 * it and go together in the next. Under load no lease is held and every admitted request ends
 * with a release: one call each doubled what a controller serves per request (its ceiling in
 * production, its share of the one thread locally). Nothing waits while calls are rare, and a
 * release waits at most for the call ahead of it.
 *
 * The release that finds no call under way sends it, and the ones that queue behind it, in its
 * own request's I/O context (its promise is kept alive with waitUntil); the others only hand
 * over data. Pure: the sending comes in, and reports its own failures (it must not throw).
 */

/** At most this many releases in one call; more wait for the next. */
export const MAX_RELEASE_BATCH = 64;
/** A request sends this many calls at most, then leaves the queue to the next release's request. */
export const MAX_CALLS_PER_SENDER = 8;

interface Pending<Item> {
  queued: Item[];
}

export class ReleaseBatcher<Item> {
  private readonly underWay = new Map<string, Pending<Item>>();

  constructor(
    private readonly maxBatch = MAX_RELEASE_BATCH,
    private readonly maxCalls = MAX_CALLS_PER_SENDER,
  ) {}

  /**
   * Hands `item` to the controller's queue. With no call under way it returns the promise of
   * the calls this release now sends (`send`, which must not reject); otherwise undefined.
   */
  add(key: string, item: Item, send: (items: Item[]) => Promise<void>): Promise<void> | undefined {
    const pending = this.underWay.get(key);
    if (pending) {
      pending.queued.push(item);
      return undefined;
    }
    const mine: Pending<Item> = { queued: [] };
    this.underWay.set(key, mine);
    return this.sendAll(key, mine, [item], send);
  }

  private async sendAll(key: string, mine: Pending<Item>, first: Item[], send: (items: Item[]) => Promise<void>): Promise<void> {
    let batch = first;
    for (let calls = 1; ; calls++) {
      await send(batch);
      if (mine.queued.length === 0 || calls >= this.maxCalls) break;
      batch = mine.queued.splice(0, this.maxBatch);
    }
    this.underWay.delete(key);
    // Past its share of calls, this request sends what is left in one go and lets the next release start anew.
    while (mine.queued.length > 0) await send(mine.queued.splice(0, this.maxBatch));
  }
}
