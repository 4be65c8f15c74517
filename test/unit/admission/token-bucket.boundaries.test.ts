import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../../durable-objects/admission/token-bucket";
import { T0 } from "./support";

const rate = { requests: 10, windowMs: 1000, burst: 5 }; // 0.01 token per ms

describe("TokenBucket at its boundaries", () => {
  it("reports its capacity as the burst, and the new burst after a reconfigure", () => {
    const bucket = new TokenBucket(rate, T0);
    expect(bucket.capacity).toBe(5);
    bucket.reconfigure({ requests: 1, windowMs: 1000, burst: 3 }, T0);
    expect(bucket.capacity).toBe(3);
  });

  it("counts a level short of the cost by no more than the float slack as enough", () => {
    // A level that is the cost minus rounding noise must not make the caller wait 1 ms more.
    const bucket = new TokenBucket(rate, T0, { tokens: 1 - 1e-9, updatedAt: T0 });
    expect(bucket.tryTake(1, T0)).toEqual({ ok: true, remaining: 0 });
  });

  it("waits only for the missing part of the cost when the bucket is partly full", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(4.5, T0);
    expect(bucket.tryTake(1, T0)).toEqual({ ok: false, never: false, waitMs: 50 });
  });

  it("a refund adds back what was taken, at the level refilled up to now", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(5, T0);
    bucket.refund(2, T0 + 100);
    expect(bucket.level(T0 + 100)).toBeCloseTo(3);
  });

  it("a reconfigure keeps what the old rate refilled before it", () => {
    const bucket = new TokenBucket(rate, T0);
    bucket.tryTake(5, T0);
    // 100 ms at 0.01/ms is one token; the new, slower rate applies only from now on.
    bucket.reconfigure({ requests: 1, windowMs: 1000, burst: 5 }, T0 + 100);
    expect(bucket.level(T0 + 100)).toBeCloseTo(1);
    expect(bucket.level(T0 + 1100)).toBeCloseTo(2);
  });

  it("refuses negative and non-finite costs on take and refund, and invalid rates on reconfigure", () => {
    const bucket = new TokenBucket(rate, T0);
    expect(() => bucket.tryTake(-1, T0)).toThrow(RangeError);
    expect(() => bucket.refund(-1, T0)).toThrow(RangeError);
    expect(() => bucket.refund(Number.POSITIVE_INFINITY, T0)).toThrow(RangeError);
    expect(() => bucket.reconfigure({ requests: 1, windowMs: 1000, burst: 0 }, T0)).toThrow(/burst/);
    expect(() => bucket.reconfigure({ requests: 1, windowMs: Number.NaN, burst: 1 }, T0)).toThrow(/windowMs/);
    expect(bucket.capacity).toBe(5);
    expect(bucket.tryTake(0, T0)).toEqual({ ok: true, remaining: 5 });
  });
});
