import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthFailureBudget, type BudgetLane, type FailureBudgetOptions } from "../../../worker/auth/auth-failure-budget";

const T0 = 1_700_000_000_000;
const options: FailureBudgetOptions = {
  perClient: { requests: 2, windowMs: 1000, burst: 5 },
  lanes: { established: { requests: 8, windowMs: 1000, burst: 8 }, recent: { requests: 2, windowMs: 1000, burst: 4 } },
  maxClients: 1000,
};

/** An arrival: which client, how long after the previous one, and whether its lookup found a key. */
const arrivals = fc.array(
  fc.record({ client: fc.integer({ min: 0, max: 30 }), gapMs: fc.integer({ min: 0, max: 400 }), found: fc.boolean(), lane: fc.constantFrom<BudgetLane>("established", "recent") }),
  { minLength: 1, maxLength: 600 },
);
const { established, recent } = options.lanes;

describe("AuthFailureBudget", () => {
  it("failed lookups never exceed the lanes' bursts + rates × time, nor any client's, however the arrivals come", () => {
    fc.assert(
      fc.property(arrivals, (events) => {
        const budget = new AuthFailureBudget(options, T0);
        let now = T0;
        let failures = 0;
        const perClient = new Map<number, number>();
        for (const e of events) {
          now += e.gapMs;
          const decision = budget.take(String(e.client), e.lane, now);
          if (!decision.ok) continue;
          if (e.found) budget.refund(String(e.client), e.lane, now);
          else {
            failures++;
            perClient.set(e.client, (perClient.get(e.client) ?? 0) + 1);
          }
        }
        const seconds = (now - T0) / 1000;
        expect(failures).toBeLessThanOrEqual(established.burst + recent.burst + (established.requests + recent.requests) * seconds + 1e-9);
        for (const count of perClient.values()) expect(count).toBeLessThanOrEqual(options.perClient.burst + options.perClient.requests * seconds + 1e-9);
      }),
    );
  });

  it("a refusal names a wait after which the same client is let through (when nobody else spends meanwhile)", () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 0, max: 30 }), fc.constantFrom<BudgetLane>("established", "recent"), (events, probe, lane) => {
        const budget = new AuthFailureBudget(options, T0);
        let now = T0;
        for (const e of events) {
          now += e.gapMs;
          budget.take(String(e.client), e.lane, now);
        }
        const decision = budget.take(String(probe), lane, now);
        if (decision.ok) return;
        expect(decision.retryAfterMs).toBeGreaterThan(0);
        // The wait of the bucket that refused; the other one may still be short, so try twice.
        const later = now + decision.retryAfterMs;
        const again = budget.take(String(probe), lane, later);
        if (!again.ok) expect(budget.take(String(probe), lane, later + again.retryAfterMs).ok).toBe(true);
      }),
    );
  });

  it("one address cannot spend the isolate's budget: others still get lookups", () => {
    const budget = new AuthFailureBudget(options, T0);
    const outcomes = Array.from({ length: 20 }, () => budget.take("203.0.113.9", "established", T0).ok);
    expect(outcomes.filter(Boolean)).toHaveLength(options.perClient.burst);
    expect(budget.take("198.51.100.1", "established", T0)).toEqual({ ok: true });
  });

  it("many addresses share the isolate's cap; a client refused by the cap keeps its own tokens", () => {
    const budget = new AuthFailureBudget(options, T0);
    for (let i = 0; i < established.burst; i++) expect(budget.take(`10.0.0.${i}`, "established", T0).ok).toBe(true);
    const refused = budget.take("10.0.1.1", "established", T0);
    expect(refused).toEqual({ ok: false, scope: "isolate", retryAfterMs: 125 });
    // Its own bucket was not charged: once the isolate refills, it has its whole burst.
    let granted = 0;
    for (let i = 0; i < options.perClient.burst; i++) if (budget.take("10.0.1.1", "established", T0 + 10_000).ok) granted++;
    expect(granted).toBe(options.perClient.burst);
  });

  it("a flood under old prefixes that spent the established lane leaves the recent lane to new keys", () => {
    const budget = new AuthFailureBudget(options, T0);
    for (let i = 0; i < 100; i++) budget.take(`10.0.2.${i}`, "established", T0);
    expect(budget.take("192.0.2.1", "established", T0).ok).toBe(false);
    expect(budget.take("192.0.2.1", "recent", T0)).toEqual({ ok: true });
  });

  it("a lookup that found a key gives its token back: successes spend nothing", () => {
    const budget = new AuthFailureBudget(options, T0);
    for (let i = 0; i < 100; i++) {
      expect(budget.take("192.0.2.7", "established", T0).ok).toBe(true);
      budget.refund("192.0.2.7", "established", T0);
    }
  });
});
