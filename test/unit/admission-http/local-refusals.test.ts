import { describe, expect, it } from "vitest";
import { LocalRefusals } from "../../../worker/admission/local-refusals";

describe("LocalRefusals", () => {
  it("counts each tenant's refusals until a take hands them over, then starts afresh", () => {
    const refusals = new LocalRefusals();
    expect(refusals.take("a")).toBe(0);
    refusals.note("a");
    refusals.note("a");
    refusals.note("b");
    expect(refusals.take("a")).toBe(2);
    expect(refusals.take("a")).toBe(0);
    refusals.note("a");
    expect(refusals.take("a")).toBe(1);
    expect(refusals.take("b")).toBe(1);
  });

  it("forgets the least recently refused tenant past its size, never another's count", () => {
    const refusals = new LocalRefusals(2);
    refusals.note("a");
    refusals.note("b");
    refusals.note("a");
    refusals.note("c");
    expect(refusals.take("b")).toBe(0);
    expect(refusals.take("a")).toBe(2);
    expect(refusals.take("c")).toBe(1);
  });
});
