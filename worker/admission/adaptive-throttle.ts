import type { RequestPriority } from "../../durable-objects/contracts/admission";

/**
 * Isolate-side adaptive throttling (Google SRE book, "Handling Overload": client-side
 * throttling). Each isolate remembers, per tenant and request priority, how many requests it
 * sent to the controller and how many were accepted over the last `windowMs`. Once the
 * controller is refusing most of them, the isolate refuses locally with probability
 *
 *     p = max(0, (requests - K * accepts) / (requests + 1))
 *
 * so a flood is answered in microseconds without an RPC, and the controller's own time goes to
 * the requests that can still be served. With K = 2 nothing is refused locally until the
 * controller refuses more than half. Critical requests always ask.
 *
 * Two departures from the book, because here one controller (not a pool of backends) decides
 * and its shedding level moves within a second. The memory is short (2 s): a longer one keeps
 * refusing for seconds after the controller recovered. And at most `maxRefusal` is refused
 * locally: once accepts vanish, p = 1 is a fixed point the formula leaves only by doubling
 * the forwarded share per half window, so a floor of forwarded requests is what lets the
 * controller's "accepted again" reach the isolate quickly.
 * Pure: no Workers API; clock and randomness passed in.
 */
export interface ThrottleOptions {
  k: number;
  windowMs: number;
  /** Largest share refused locally: the rest still asks the controller. */
  maxRefusal: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { k: 2, windowMs: 2_000, maxRefusal: 0.9 };

interface Counts {
  requests: number;
  accepts: number;
  /** Start of the current half-window; counts decay by half each half-window. */
  since: number;
  /** The controller's last Retry-After for this class, for local refusals. */
  retryAfterMs: number;
}

export class AdaptiveThrottle {
  private readonly counts = new Map<string, Counts>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  /** Should this request be refused without asking the controller? */
  shouldRefuse(tenantId: string, priority: RequestPriority, now: number, random: number): { refuse: false } | { refuse: true; retryAfterMs: number } {
    if (priority === "critical") return { refuse: false };
    const counts = this.current(tenantId, priority, now);
    if (random >= this.probability(counts)) return { refuse: false };
    // A local refusal is a request too (as in the SRE book); a forwarded one counts when
    // its answer is recorded, so a burst of concurrent first requests cannot look refused.
    counts.requests++;
    return { refuse: true, retryAfterMs: counts.retryAfterMs };
  }

  /** What the controller answered to a request this isolate sent it. */
  record(tenantId: string, priority: RequestPriority, accepted: boolean, retryAfterMs: number, now: number): void {
    const counts = this.current(tenantId, priority, now);
    counts.requests++;
    if (accepted) counts.accepts++;
    else counts.retryAfterMs = retryAfterMs;
  }

  /** Probability of a local refusal right now (for tests and the state document). */
  refusalProbability(tenantId: string, priority: RequestPriority, now: number): number {
    return this.probability(this.current(tenantId, priority, now));
  }

  private probability(counts: Counts): number {
    const p = (counts.requests - this.options.k * counts.accepts) / (counts.requests + 1);
    return Math.min(this.options.maxRefusal, Math.max(0, p));
  }

  private current(tenantId: string, priority: RequestPriority, now: number): Counts {
    const key = `${tenantId}\u0000${priority}`;
    let counts = this.counts.get(key);
    if (!counts) {
      counts = { requests: 0, accepts: 0, since: now, retryAfterMs: 1000 };
      this.counts.set(key, counts);
      if (this.counts.size > 10_000) this.counts.delete(this.counts.keys().next().value ?? key);
    }
    // Exponential forgetting in half-window steps: old history fades, recent history rules.
    const half = this.options.windowMs / 2;
    while (now - counts.since >= half) {
      counts.requests /= 2;
      counts.accepts /= 2;
      counts.since += half;
      if (counts.requests < 0.01) {
        counts.since = now;
        break;
      }
    }
    return counts;
  }
}
