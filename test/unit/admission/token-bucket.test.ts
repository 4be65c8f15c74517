import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../../durable-objects/admission/token-bucket";
import { T0 } from "./support";

const rate = { requests: 10, windowMs: 1000, burst: 5 }; // 0.01 token per ms

describe("TokenBucket", () => {
  it("starts full and refuses once empty, with the exact wait", () => {
    const bucket = new TokenBucket(rate, T0);
    for (let i = 0; i < 5; i++) expect(bucket.tryTake(1, T0).ok).toBe(true);
    expect(bucket.tryTake(1, T0)).toEqual({ ok: false, never: false, waitMs: 100 });
    expect(bucket.tryTake(1, T0 + 99).ok).toBe(false);
    expect(bucket.tryTake(1, T0 + 100).ok).toBe(true);
  });

  it("refuses a cost above the burst as never admissible", () => {
    const bucket = new TokenBucket(rate, T0);
    expect(bucket.tryTake(6, T0)).toEqual({ ok: false, never: true });
    expect(bucket.level(T0)).toBe(5);
  });

  it("refills from elapsed time only, capped at the burst", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(5, T0);
    expect(bucket.level(T0 + 250)).toBeCloseTo(2.5);
    expect(bucket.level(T0 + 10_000)).toBe(5);
  });

  it("ignores a clock that runs backwards", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(5, T0 + 1000);
    expect(bucket.level(T0)).toBe(0);
    expect(bucket.level(T0 + 1100)).toBeCloseTo(1);
  });

  it("refunds without overfilling", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(2, T0);
    bucket.refund(2, T0 + 1000);
    expect(bucket.level(T0 + 1000)).toBe(5);
  });

  it("continues from a snapshot instead of starting full", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(5, T0);
    const restored = new TokenBucket(rate, T0 + 100, bucket.snapshot());
    expect(restored.level(T0 + 100)).toBeCloseTo(1);
  });

  it("reconfigures at once, keeping the level within the new burst", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.reconfigure({ requests: 1, windowMs: 1000, burst: 2 }, T0);
    expect(bucket.level(T0)).toBe(2);
    bucket.tryTake(2, T0);
    expect(bucket.tryTake(1, T0)).toEqual({ ok: false, never: false, waitMs: 1000 });
  });

  it("reports the numbers for the RateLimit headers", () => {
    const bucket = new TokenBucket({ requests: 100, windowMs: 60_000, burst: 100 }, T0);
    bucket.tryTake(30, T0);
    expect(bucket.info(T0)).toEqual({ quota: 100, windowSeconds: 60, remaining: 70, resetSeconds: 18 });
    expect(bucket.info(T0 + 60_000)).toEqual({ quota: 100, windowSeconds: 60, remaining: 100, resetSeconds: 0 });
  });

  it("rejects nonsense rates and costs", () => {
    expect(() => new TokenBucket({ requests: 0, windowMs: 1000, burst: 1 }, T0)).toThrow(/requests/);
    expect(() => new TokenBucket(rate, T0).tryTake(Number.NaN, T0)).toThrow(/cost/);
  });
});

describe("TokenBucket properties", () => {
  const rateArb = fc.record({
    requests: fc.integer({ min: 1, max: 1000 }),
    windowMs: fc.integer({ min: 100, max: 100_000 }),
    burst: fc.integer({ min: 1, max: 200 }),
  });
  const stepArb = fc.record({
    dt: fc.integer({ min: 0, max: 5000 }),
    cost: fc.integer({ min: 0, max: 10 }),
    refundRejected: fc.boolean(),
    evict: fc.boolean(),
  });

  it("never admits more than burst + rate x elapsed, across restarts and refunds", () => {
    fc.assert(
      fc.property(rateArb, fc.array(stepArb, { maxLength: 200 }), (r, steps) => {
        let bucket = new TokenBucket(r, T0);
        let now = T0;
        let admitted = 0;
        for (const step of steps) {
          now += step.dt;
          // A restarted DO restores its snapshot: the bound must survive it.
          if (step.evict) bucket = new TokenBucket(r, now, bucket.snapshot());
          const take = bucket.tryTake(step.cost, now);
          if (take.ok) {
            // Some takes are refunded because the request was later refused: not admitted.
            if (step.refundRejected) bucket.refund(step.cost, now);
            else admitted += step.cost;
          }
          expect(admitted).toBeLessThanOrEqual(r.burst + ((now - T0) * r.requests) / r.windowMs + 1e-6);
        }
      }),
    );
  });

  it("waitMs is exact: enough tokens at waitMs, not before", () => {
    fc.assert(
      fc.property(rateArb, fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 200 }), (r, drain, cost) => {
        fc.pre(cost <= r.burst);
        const bucket = new TokenBucket(r, T0);
        bucket.tryTake(Math.min(drain, r.burst), T0);
        const level = bucket.level(T0);
        const take = bucket.tryTake(cost, T0);
        if (take.ok || take.never) return;
        const perMs = r.requests / r.windowMs;
        const before = bucket.snapshot();
        expect(new TokenBucket(r, T0, before).tryTake(cost, T0 + take.waitMs).ok).toBe(true);
        if (take.waitMs >= 1 && level + (take.waitMs - 1) * perMs + 1e-6 < cost) {
          expect(new TokenBucket(r, T0, before).tryTake(cost, T0 + take.waitMs - 1).ok).toBe(false);
        }
      }),
    );
  });
});
