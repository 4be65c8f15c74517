import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdaptiveThrottle, DEFAULT_THROTTLE, type ThrottleOptions } from "../../../worker/admission/adaptive-throttle";

/**
 * One request per ms: the controller refuses everything for `refusingMs`, then accepts all it
 * is asked. Returns the local refusal probability `afterMs` into the recovery.
 */
function recoveryAfter(options: ThrottleOptions, refusingMs: number, afterMs: number): number {
  const throttle = new AdaptiveThrottle(options);
  for (let now = 0; now < refusingMs + afterMs; now++) {
    if (throttle.shouldRefuse("t", "normal", now, ((now * 7919) % 1000) / 1000).refuse) continue;
    throttle.record("t", "normal", now >= refusingMs, 1000, now);
  }
  return throttle.refusalProbability("t", "normal", refusingMs + afterMs);
}

describe("isolate-side adaptive throttle", () => {
  it("never refuses while the controller accepts everything", () => {
    const throttle = new AdaptiveThrottle();
    for (let i = 0; i < 1000; i++) {
      expect(throttle.shouldRefuse("t", "low", i, 0).refuse).toBe(false);
      throttle.record("t", "low", true, 0, i);
    }
  });

  it("refuses locally once the controller refuses most requests, with the controller's Retry-After", () => {
    const throttle = new AdaptiveThrottle();
    let local = 0;
    for (let i = 0; i < 1000; i++) {
      const decision = throttle.shouldRefuse("t", "low", i, (i * 7919) % 1000 / 1000);
      if (decision.refuse) {
        local++;
        expect(decision.retryAfterMs).toBe(2500);
        continue;
      }
      // The controller accepts one in ten.
      throttle.record("t", "low", i % 10 === 0, 2500, i);
    }
    expect(local).toBeGreaterThan(500);
    expect(throttle.refusalProbability("t", "low", 1000)).toBeGreaterThan(0.5);
  });

  it("never throttles critical requests, nor one tenant for another's refusals", () => {
    const throttle = new AdaptiveThrottle();
    for (let i = 0; i < 100; i++) {
      throttle.shouldRefuse("flooded", "low", i, 1);
      throttle.record("flooded", "low", false, 1000, i);
      throttle.record("flooded", "critical", false, 1000, i);
    }
    expect(throttle.shouldRefuse("flooded", "critical", 100, 0).refuse).toBe(false);
    expect(throttle.shouldRefuse("quiet", "low", 100, 0).refuse).toBe(false);
  });

  it("forgets: refusals stop once the window passes without refusals", () => {
    const throttle = new AdaptiveThrottle({ k: 2, windowMs: 1000, maxRefusal: 1 });
    for (let i = 0; i < 100; i++) {
      throttle.shouldRefuse("t", "normal", i, 1);
      throttle.record("t", "normal", false, 1000, i);
    }
    expect(throttle.refusalProbability("t", "normal", 100)).toBeGreaterThan(0.9);
    expect(throttle.refusalProbability("t", "normal", 100 + 10_000)).toBeLessThan(0.01);
  });

  it("never refuses locally while the controller accepts at least half (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(50)), { minLength: 1, maxLength: 300 }), (steps) => {
        const throttle = new AdaptiveThrottle({ k: 2, windowMs: 5000, maxRefusal: 1 });
        let now = 0;
        steps.forEach(([random, gap], i) => {
          now += gap;
          expect(throttle.shouldRefuse("t", "high", now, random).refuse).toBe(false);
          // Every other request accepted: requests <= 2 x accepts + 1.
          throttle.record("t", "high", i % 2 === 0, 1000, now);
        });
      }),
    );
  });

  it("stops refusing within 5 s once the controller accepts again, where the book's long memory without a floor still refuses all at 10 s", () => {
    expect(recoveryAfter(DEFAULT_THROTTLE, 5000, 5000)).toBeLessThan(0.05);
    expect(recoveryAfter({ ...DEFAULT_THROTTLE, windowMs: 10_000, maxRefusal: 1 }, 5000, 10_000)).toBeGreaterThan(0.99);
    expect(recoveryAfter({ ...DEFAULT_THROTTLE, maxRefusal: 1 }, 5000, 10_000)).toBeGreaterThan(0.99);
  });
});
