import { describe, expect, it } from "vitest";
import { LocalRefusals } from "../../../worker/admission/local-refusals";

describe("LocalRefusals", () => {
  it("counts each tenant's refusals by priority until a take hands them over, then starts afresh", () => {
    const refusals = new LocalRefusals();
    expect(refusals.take("a")).toBeUndefined();
    refusals.note("a", "low");
    refusals.note("a", "normal");
    refusals.note("a", "low");
    refusals.note("b", "high");
    expect(refusals.take("a")).toEqual({ low: 2, normal: 1 });
    expect(refusals.take("a")).toBeUndefined();
    refusals.note("a", "low");
    expect(refusals.take("a")).toEqual({ low: 1 });
    expect(refusals.take("b")).toEqual({ high: 1 });
  });

  it("forgets the least recently refused tenant past its size, never another's count", () => {
    const refusals = new LocalRefusals(2);
    refusals.note("a", "low");
    refusals.note("b", "low");
    refusals.note("a", "normal");
    refusals.note("c", "low");
    expect(refusals.take("b")).toBeUndefined();
    expect(refusals.take("a")).toEqual({ low: 1, normal: 1 });
    expect(refusals.take("c")).toEqual({ low: 1 });
  });
});
