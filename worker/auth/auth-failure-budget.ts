import { LRUCache } from "lru-cache";
import { TokenBucket, type BucketRate } from "../../durable-objects/admission/token-bucket";

/**
 * How many D1 lookups of keys not known to be valid this isolate may make: one token bucket
 * per client address and one for the isolate. A lookup takes a token from both (or from
 * neither); a lookup that finds an active key gives both back, so only failures spend the
 * budget. The isolate's bucket bounds what any flood, from however many addresses, can put
 * on the shared D1; the per-address buckets keep one address from spending all of it, so
 * other clients' new keys still get looked up.
 *
 * Pure: the clock is passed in. Addresses are held in a bounded LRU map; an address pushed
 * out starts again with a full bucket, which the isolate's bucket still bounds.
 */

export interface FailureBudgetOptions {
  perClient: BucketRate;
  isolate: BucketRate;
  maxClients: number;
}

export const AUTH_FAILURE_BUDGET: FailureBudgetOptions = {
  perClient: { requests: 2, windowMs: 1000, burst: 5 },
  isolate: { requests: 10, windowMs: 1000, burst: 10 },
  maxClients: 10_000,
};

export type BudgetDecision = { ok: true } | { ok: false; scope: "client" | "isolate"; retryAfterMs: number };

export class AuthFailureBudget {
  private readonly clients: LRUCache<string, TokenBucket>;
  private readonly isolate: TokenBucket;

  constructor(
    private readonly options: FailureBudgetOptions = AUTH_FAILURE_BUDGET,
    now: number = Date.now(),
  ) {
    this.clients = new LRUCache({ max: options.maxClients });
    this.isolate = new TokenBucket(options.isolate, now);
  }

  /** One lookup for `client`: allowed, or refused with the wait until it would be. */
  take(client: string, now: number): BudgetDecision {
    const own = this.bucketOf(client, now);
    const fromClient = own.tryTake(1, now);
    if (!fromClient.ok) return { ok: false, scope: "client", retryAfterMs: fromClient.never ? this.options.perClient.windowMs : fromClient.waitMs };
    const fromIsolate = this.isolate.tryTake(1, now);
    if (!fromIsolate.ok) {
      own.refund(1, now);
      return { ok: false, scope: "isolate", retryAfterMs: fromIsolate.never ? this.options.isolate.windowMs : fromIsolate.waitMs };
    }
    return { ok: true };
  }

  /** The lookup found an active key: it was no failure, so its token comes back. */
  refund(client: string, now: number): void {
    this.clients.get(client)?.refund(1, now);
    this.isolate.refund(1, now);
  }

  private bucketOf(client: string, now: number): TokenBucket {
    let bucket = this.clients.get(client);
    if (!bucket) this.clients.set(client, (bucket = new TokenBucket(this.options.perClient, now)));
    return bucket;
  }
}
