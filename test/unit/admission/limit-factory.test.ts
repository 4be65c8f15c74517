import { describe, expect, it } from "vitest";
import { AimdLimit } from "../../../durable-objects/admission/aimd";
import { Gradient2Limit } from "../../../durable-objects/admission/gradient2";
import { createLimit } from "../../../durable-objects/admission/limit-factory";

const bounds = { min: 1, max: 100 };

describe("createLimit across a swap", () => {
  it("a gradient2 limit built from an AIMD snapshot starts at the learned limit, with no RTTs yet", () => {
    const limit = createLimit("gradient2", bounds, new AimdLimit(bounds, { initialLimit: 37 }).snapshot());
    expect(limit).toBeInstanceOf(Gradient2Limit);
    expect(limit.current).toBe(37);
    expect((limit as Gradient2Limit).rtt).toEqual({ shortMs: null, longMs: null, minMs: null });
  });

  it("an AIMD limit restores from its own snapshot and starts fresh without one", () => {
    expect(createLimit("aimd", bounds, new AimdLimit(bounds, { initialLimit: 12.5 }).snapshot()).snapshot()).toEqual({ algorithm: "aimd", limit: 12.5 });
    expect(createLimit("aimd", bounds).current).toBe(20);
  });
});
