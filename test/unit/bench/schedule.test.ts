import { describe, expect, it } from "vitest";
import { intendedSendMs, plannedSends, sendsDueBy, WeightedPicker } from "../../../bench/lib/schedule";

describe("open-model schedule", () => {
  it("plans rate × duration sends", () => {
    expect(plannedSends(100, 10_000)).toBe(1000);
    expect(plannedSends(3, 500)).toBe(2); // 1.5 rounds up: the last send still leaves before the end
    expect(plannedSends(0, 1000)).toBe(0);
    expect(plannedSends(100, 0)).toBe(0);
  });

  it("puts request i on a fixed grid, independent of any response", () => {
    expect(intendedSendMs(1000, 200, 0)).toBe(1000);
    expect(intendedSendMs(1000, 200, 1)).toBe(1005);
    expect(intendedSendMs(1000, 200, 200)).toBe(2000);
  });

  it("counts the sends due at a given time, capped at the plan", () => {
    expect(sendsDueBy(1000, 100, 999, 50)).toBe(0);
    expect(sendsDueBy(1000, 100, 1000, 50)).toBe(1); // index 0 is due at the start
    expect(sendsDueBy(1000, 100, 1009.9, 50)).toBe(1);
    expect(sendsDueBy(1000, 100, 1010, 50)).toBe(2);
    expect(sendsDueBy(1000, 100, 1_000_000, 50)).toBe(50);
  });

  it("a late wake-up makes every overdue send due at once (they are not skipped)", () => {
    // 1000 req/s, the loop was blocked for 25 ms: 25 sends are overdue and all go out,
    // each keeping its own intended time for the latency measurement.
    const due = sendsDueBy(0, 1000, 25, 10_000);
    expect(due).toBe(26);
    expect(intendedSendMs(0, 1000, due - 1)).toBe(25);
  });
});

describe("weighted picker", () => {
  it("gives every entry exactly its weight in each window of sum(weights)", () => {
    const picker = new WeightedPicker([5, 1, 1]);
    for (let window = 0; window < 4; window++) {
      const counts = [0, 0, 0];
      for (let i = 0; i < 7; i++) counts[picker.next()]!++;
      expect(counts).toEqual([5, 1, 1]);
    }
  });

  it("interleaves instead of bursting (smooth weighted round robin)", () => {
    const picker = new WeightedPicker([2, 1]);
    expect(Array.from({ length: 6 }, () => picker.next())).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it("rejects empty mixes and non-integer or non-positive weights", () => {
    expect(() => new WeightedPicker([])).toThrow(/at least one/);
    expect(() => new WeightedPicker([1, 0])).toThrow(/positive integers/);
    expect(() => new WeightedPicker([1.5])).toThrow(/positive integers/);
  });
});
