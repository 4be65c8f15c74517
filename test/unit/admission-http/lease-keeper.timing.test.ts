import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keepLease, RENEW_AHEAD_MS } from "../../../worker/admission/lease-keeper";

describe("keepLease timing", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("after a failed extension tries again RENEW_AHEAD_MS before the about 2 × RENEW_AHEAD_MS still left", async () => {
    let failures = 1;
    const extend = vi.fn(async (byMs: number) => {
      if (failures-- > 0) throw new Error("overloaded");
      return byMs;
    });
    const stop = keepLease(RENEW_AHEAD_MS, extend, () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(extend).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(RENEW_AHEAD_MS - 1);
    expect(extend).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(extend).toHaveBeenCalledTimes(2);
    stop();
  });

  it("a stop while an extension is on its way schedules no further one", async () => {
    let answer: (left: number) => void = () => {};
    const extend = vi.fn(() => new Promise<number | null>((resolve) => (answer = resolve)));
    const stop = keepLease(RENEW_AHEAD_MS, extend, () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(extend).toHaveBeenCalledTimes(1);
    stop();
    answer(5000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(extend).toHaveBeenCalledTimes(1);
  });

  it("a stop releases the pending renewal timer, so nothing keeps the isolate's event loop busy", async () => {
    const extend = vi.fn(async (byMs: number) => byMs);
    const stop = keepLease(5000, extend, () => {});
    expect(vi.getTimerCount()).toBe(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
