import { describe, expect, it } from "vitest";
import { AdaptiveThrottle } from "../../../worker/admission/adaptive-throttle";

const T = 1_000_000;

/** `requests` answers at `now`, the first `accepts` of them accepted. */
function answered(throttle: AdaptiveThrottle, requests: number, accepts: number, now: number, tenant = "t"): void {
  for (let i = 0; i < requests; i++) throttle.record(tenant, "normal", i < accepts, 3000 + i, now);
}

describe("AdaptiveThrottle, exactly", () => {
  it("refuses with probability (requests - k × accepts) / (requests + 1), and a refusal counts as a request", () => {
    const throttle = new AdaptiveThrottle({ k: 2, windowMs: 10_000, maxRefusal: 1 });
    answered(throttle, 10, 4, T);
    expect(throttle.refusalProbability("t", "normal", T)).toBeCloseTo(2 / 11);
    answered(throttle, 10, 0, T, "u");
    expect(throttle.refusalProbability("u", "normal", T)).toBeCloseTo(10 / 11);
    expect(throttle.shouldRefuse("u", "normal", T, 0.95)).toEqual({ refuse: false });
    expect(throttle.shouldRefuse("u", "normal", T, 0.9)).toEqual({ refuse: true, retryAfterMs: 3009 });
    expect(throttle.refusalProbability("u", "normal", T)).toBeCloseTo(11 / 12);
    expect(throttle.shouldRefuse("u", "critical", T, 0)).toEqual({ refuse: false });
  });

  it("never refuses more than maxRefusal locally, so the controller keeps hearing from the class", () => {
    const throttle = new AdaptiveThrottle({ k: 2, windowMs: 10_000, maxRefusal: 0.9 });
    answered(throttle, 100, 0, T); // raw (100 - 0) / 101
    expect(throttle.refusalProbability("t", "normal", T)).toBe(0.9);
    expect(throttle.shouldRefuse("t", "normal", T, 0.9)).toEqual({ refuse: false });
    expect(throttle.shouldRefuse("t", "normal", T, 0.899)).toEqual({ refuse: true, retryAfterMs: 3099 });
    answered(throttle, 10, 3, T, "u"); // under the cap the formula rules: (10 - 6) / 11
    expect(throttle.refusalProbability("u", "normal", T)).toBeCloseTo(4 / 11);
  });

  it("halves the history every half window, from when the counting started", () => {
    const throttle = new AdaptiveThrottle({ k: 2, windowMs: 10_000, maxRefusal: 1 });
    answered(throttle, 10, 4, T);
    expect(throttle.refusalProbability("t", "normal", T + 4999)).toBeCloseTo(2 / 11);
    expect(throttle.refusalProbability("t", "normal", T + 5000)).toBeCloseTo((5 - 4) / 6);
    expect(throttle.refusalProbability("t", "normal", T + 9999)).toBeCloseTo((5 - 4) / 6);
    expect(throttle.refusalProbability("t", "normal", T + 10_000)).toBeCloseTo((2.5 - 2) / 3.5);
  });

  it("after a history has faded away, counts half windows from the next request on", () => {
    const throttle = new AdaptiveThrottle({ k: 2, windowMs: 10_000, maxRefusal: 1 });
    answered(throttle, 1, 0, T);
    const later = T + 1_002_500; // long idle, not on a half-window boundary
    answered(throttle, 10, 0, later);
    expect(throttle.refusalProbability("t", "normal", later + 2600)).toBeCloseTo(10 / 11);
  });

  it("keeps at most 10 000 tenant classes, forgetting the oldest", () => {
    const throttle = new AdaptiveThrottle();
    answered(throttle, 10, 0, T, "first");
    for (let i = 1; i < 10_000; i++) throttle.refusalProbability(`t${i}`, "normal", T);
    expect(throttle.refusalProbability("first", "normal", T)).toBeGreaterThan(0);
    throttle.refusalProbability("one-more", "normal", T);
    expect(throttle.refusalProbability("first", "normal", T)).toBe(0);
  });
});
