import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EXTENSION_MS, keepLease, RENEW_AHEAD_MS } from "../../../worker/admission/lease-keeper";

describe("keepLease", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("extends shortly before the lease would lapse, again and again, until stopped", async () => {
    const calls: number[] = [];
    const extend = vi.fn(async (byMs: number) => {
      calls.push(Date.now());
      return byMs;
    });
    const start = Date.now();
    const stop = keepLease(1100, extend, () => {});
    await vi.advanceTimersByTimeAsync(1100 - RENEW_AHEAD_MS - 1);
    expect(extend).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(extend).toHaveBeenCalledWith(EXTENSION_MS);
    await vi.advanceTimersByTimeAsync(EXTENSION_MS * 2);
    expect(calls.map((t) => t - start)).toEqual([600, 600 + 1500, 600 + 3000]);
    stop();
    await vi.advanceTimersByTimeAsync(EXTENSION_MS * 5);
    expect(extend).toHaveBeenCalledTimes(3);
  });

  it("stops when the controller no longer holds the lease", async () => {
    const extend = vi.fn(async () => null);
    keepLease(600, extend, () => {});
    await vi.advanceTimersByTimeAsync(10_000);
    expect(extend).toHaveBeenCalledTimes(1);
  });

  it("reports a failed extension and tries again before the lease lapses", async () => {
    const errors: unknown[] = [];
    let failures = 1;
    const extend = vi.fn(async (byMs: number) => {
      if (failures-- > 0) throw new Error("Durable Object is overloaded");
      return byMs;
    });
    const stop = keepLease(1000, extend, (err) => errors.push(err));
    await vi.advanceTimersByTimeAsync(500);
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(RENEW_AHEAD_MS);
    expect(extend).toHaveBeenCalledTimes(2);
    stop();
  });

  it("never extends a lease whose work settled before the first renewal", async () => {
    const extend = vi.fn(async (byMs: number) => byMs);
    const stop = keepLease(1100, extend, () => {});
    await vi.advanceTimersByTimeAsync(100);
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(extend).not.toHaveBeenCalled();
  });
});
