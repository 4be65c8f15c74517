import { LRUCache } from "lru-cache";
import { TokenBucket, type BucketRate } from "../../durable-objects/admission/token-bucket";

/**
 * How many D1 lookups of keys not known to be valid this isolate may make: one token bucket
 * per client address and, for the isolate, one per lane. A lookup takes a token from its
 * address's bucket and its lane's (or from neither); a lookup that finds an active key gives
 * both back, so only failures spend the budget. The lanes together bound what any flood, from
 * however many addresses, can put on the shared D1; the per-address buckets keep one address
 * from spending all of it. The `recent` lane is for keys whose prefix belongs to a key created
 * in the last minutes: a flood guessing secrets under an old, known prefix cannot spend it, so
 * a key just issued still gets its first lookup.
 *
 * Pure: the clock is passed in. Addresses are held in a bounded LRU map; an address pushed
 * out starts again with a full bucket, which the isolate's bucket still bounds.
 */

export type BudgetLane = "established" | "recent";

export interface FailureBudgetOptions {
  perClient: BucketRate;
  /** The isolate's buckets; their rates add up to what D1 may see. */
  lanes: Record<BudgetLane, BucketRate>;
  maxClients: number;
}

export const AUTH_FAILURE_BUDGET: FailureBudgetOptions = {
  perClient: { requests: 2, windowMs: 1000, burst: 5 },
  lanes: { established: { requests: 8, windowMs: 1000, burst: 8 }, recent: { requests: 2, windowMs: 1000, burst: 4 } },
  maxClients: 10_000,
};

export type BudgetDecision = { ok: true } | { ok: false; scope: "client" | "isolate"; retryAfterMs: number };

export class AuthFailureBudget {
  private readonly clients: LRUCache<string, TokenBucket>;
  private readonly lanes: Record<BudgetLane, TokenBucket>;

  constructor(
    private readonly options: FailureBudgetOptions = AUTH_FAILURE_BUDGET,
    now: number = Date.now(),
  ) {
    this.clients = new LRUCache({ max: options.maxClients });
    this.lanes = { established: new TokenBucket(options.lanes.established, now), recent: new TokenBucket(options.lanes.recent, now) };
  }

  /** One lookup for `client` in `lane`: allowed, or refused with the wait until it would be. */
  take(client: string, lane: BudgetLane, now: number): BudgetDecision {
    const own = this.bucketOf(client, now);
    const fromClient = own.tryTake(1, now);
    if (!fromClient.ok) return { ok: false, scope: "client", retryAfterMs: fromClient.never ? this.options.perClient.windowMs : fromClient.waitMs };
    const fromLane = this.lanes[lane].tryTake(1, now);
    if (!fromLane.ok) {
      own.refund(1, now);
      return { ok: false, scope: "isolate", retryAfterMs: fromLane.never ? this.options.lanes[lane].windowMs : fromLane.waitMs };
    }
    return { ok: true };
  }

  /** The lookup found an active key: it was no failure, so its tokens come back. */
  refund(client: string, lane: BudgetLane, now: number): void {
    this.clients.get(client)?.refund(1, now);
    this.lanes[lane].refund(1, now);
  }

  private bucketOf(client: string, now: number): TokenBucket {
    let bucket = this.clients.get(client);
    if (!bucket) this.clients.set(client, (bucket = new TokenBucket(this.options.perClient, now)));
    return bucket;
  }
}
