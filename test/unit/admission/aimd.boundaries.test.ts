import { describe, expect, it } from "vitest";
import { AimdLimit } from "../../../durable-objects/admission/aimd";

const bounds = { min: 1, max: 100 };

describe("AimdLimit", () => {
  it("grows by 1/limit when at least half its slots are in use, not with fewer", () => {
    const limit = new AimdLimit(bounds, { initialLimit: 10 });
    limit.onSample({ rttMs: 10, inflight: 4, dropped: false });
    expect(limit.snapshot()).toEqual({ algorithm: "aimd", limit: 10 });
    limit.onSample({ rttMs: 10, inflight: 5, dropped: false });
    expect(limit.snapshot()).toEqual({ algorithm: "aimd", limit: 10.1 });
  });

  it("refuses invalid bounds when built and when they change", () => {
    expect(() => new AimdLimit({ min: 0, max: 10 })).toThrow(/minConcurrency/);
    const limit = new AimdLimit(bounds);
    expect(() => limit.setBounds({ min: 5, max: 4 })).toThrow(/maxConcurrency/);
    expect(limit.current).toBe(20);
  });
});
