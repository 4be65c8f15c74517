import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthFailureBudget, type FailureBudgetOptions } from "../../../worker/auth/auth-failure-budget";

const T0 = 1_700_000_000_000;
const options: FailureBudgetOptions = {
  perClient: { requests: 2, windowMs: 1000, burst: 5 },
  isolate: { requests: 10, windowMs: 1000, burst: 10 },
  maxClients: 1000,
};

/** An arrival: which client, how long after the previous one, and whether its lookup found a key. */
const arrivals = fc.array(fc.record({ client: fc.integer({ min: 0, max: 30 }), gapMs: fc.integer({ min: 0, max: 400 }), found: fc.boolean() }), { minLength: 1, maxLength: 600 });

describe("AuthFailureBudget", () => {
  it("failed lookups never exceed the isolate's burst + rate × time, nor any client's, however the arrivals come", () => {
    fc.assert(
      fc.property(arrivals, (events) => {
        const budget = new AuthFailureBudget(options, T0);
        let now = T0;
        let failures = 0;
        const perClient = new Map<number, number>();
        for (const e of events) {
          now += e.gapMs;
          const decision = budget.take(String(e.client), now);
          if (!decision.ok) continue;
          if (e.found) budget.refund(String(e.client), now);
          else {
            failures++;
            perClient.set(e.client, (perClient.get(e.client) ?? 0) + 1);
          }
        }
        const seconds = (now - T0) / 1000;
        expect(failures).toBeLessThanOrEqual(options.isolate.burst + options.isolate.requests * seconds + 1e-9);
        for (const count of perClient.values()) expect(count).toBeLessThanOrEqual(options.perClient.burst + options.perClient.requests * seconds + 1e-9);
      }),
    );
  });

  it("a refusal names a wait after which the same client is let through (when nobody else spends meanwhile)", () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 0, max: 30 }), (events, probe) => {
        const budget = new AuthFailureBudget(options, T0);
        let now = T0;
        for (const e of events) {
          now += e.gapMs;
          budget.take(String(e.client), now);
        }
        const decision = budget.take(String(probe), now);
        if (decision.ok) return;
        expect(decision.retryAfterMs).toBeGreaterThan(0);
        expect(budget.take(String(probe), now + decision.retryAfterMs).ok).toBe(true);
      }),
    );
  });

  it("one address cannot spend the isolate's budget: others still get lookups", () => {
    const budget = new AuthFailureBudget(options, T0);
    const outcomes = Array.from({ length: 20 }, () => budget.take("203.0.113.9", T0).ok);
    expect(outcomes.filter(Boolean)).toHaveLength(options.perClient.burst);
    expect(budget.take("198.51.100.1", T0)).toEqual({ ok: true });
  });

  it("many addresses share the isolate's cap; a client refused by the cap keeps its own tokens", () => {
    const budget = new AuthFailureBudget(options, T0);
    for (let i = 0; i < options.isolate.burst; i++) expect(budget.take(`10.0.0.${i}`, T0).ok).toBe(true);
    const refused = budget.take("10.0.1.1", T0);
    expect(refused).toEqual({ ok: false, scope: "isolate", retryAfterMs: 100 });
    // Its own bucket was not charged: once the isolate refills, it has its whole burst.
    let granted = 0;
    for (let i = 0; i < options.perClient.burst; i++) if (budget.take("10.0.1.1", T0 + 10_000).ok) granted++;
    expect(granted).toBe(options.perClient.burst);
  });

  it("a lookup that found a key gives its token back: successes spend nothing", () => {
    const budget = new AuthFailureBudget(options, T0);
    for (let i = 0; i < 100; i++) {
      expect(budget.take("192.0.2.7", T0).ok).toBe(true);
      budget.refund("192.0.2.7", T0);
    }
  });
});
