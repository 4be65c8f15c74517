import { describe, expect, it } from "vitest";
import { LoadLevelTracker } from "../../../durable-objects/admission/load-level";
import { T0 } from "./support";

const S = 100; // service time, ms: thresholds at 0.5 S = 50, 1 S = 100, 2 S = 200, 4 S = 400

/** A tracker at `level`, entered at T0. */
function trackerAt(level: "elevated" | "overloaded"): LoadLevelTracker {
  const load = new LoadLevelTracker();
  load.update(level === "overloaded" ? { utilisation: 1, queueDelayMs: 4 * S, serviceMs: S } : { utilisation: 0.9, queueDelayMs: 0, serviceMs: S }, T0);
  expect(load.level).toBe(level);
  return load;
}

describe("LoadLevelTracker thresholds are inclusive on the way up", () => {
  it("elevated at exactly 0.9 utilisation or exactly one service time of queue delay", () => {
    expect(new LoadLevelTracker().update({ utilisation: 0.9, queueDelayMs: 0, serviceMs: S }, T0)).toBe("elevated");
    expect(new LoadLevelTracker().update({ utilisation: 0.5, queueDelayMs: S, serviceMs: S }, T0)).toBe("elevated");
    expect(new LoadLevelTracker().update({ utilisation: 0.5, queueDelayMs: S - 1, serviceMs: S }, T0)).toBe("normal");
  });
});

describe("LoadLevelTracker on the way down", () => {
  it("leaves elevated only when utilisation is under 0.7 and the queue delay under half a service time", () => {
    const after = T0 + 5000;
    expect(trackerAt("elevated").update({ utilisation: 0.8, queueDelayMs: 0, serviceMs: S }, after)).toBe("elevated");
    expect(trackerAt("elevated").update({ utilisation: 0.7, queueDelayMs: 0, serviceMs: S }, after)).toBe("elevated");
    expect(trackerAt("elevated").update({ utilisation: 0.5, queueDelayMs: S / 2, serviceMs: S }, after)).toBe("elevated");
    expect(trackerAt("elevated").update({ utilisation: 0.5, queueDelayMs: 60, serviceMs: S }, after)).toBe("elevated");
    expect(trackerAt("elevated").update({ utilisation: 0.69, queueDelayMs: S / 2 - 1, serviceMs: S }, after)).toBe("normal");
  });

  it("leaves overloaded once the queue delay is under two service times, whatever the utilisation", () => {
    const after = T0 + 5000;
    expect(trackerAt("overloaded").update({ utilisation: 1, queueDelayMs: 2 * S, serviceMs: S }, after)).toBe("overloaded");
    expect(trackerAt("overloaded").update({ utilisation: 1, queueDelayMs: 2 * S - 1, serviceMs: S }, after)).toBe("elevated");
  });

  it("moves down exactly holdMs after the entry condition last held, and each time it holds again the wait restarts", () => {
    const calm = { utilisation: 0.1, queueDelayMs: 0, serviceMs: S };
    expect(trackerAt("elevated").update(calm, T0 + 999)).toBe("elevated");
    expect(trackerAt("elevated").update(calm, T0 + 1000)).toBe("normal");
    const load = trackerAt("elevated");
    // Still elevated at T0 + 900: the hold counts from there, not from T0.
    expect(load.update({ utilisation: 0.95, queueDelayMs: 0, serviceMs: S }, T0 + 900)).toBe("elevated");
    expect(load.update(calm, T0 + 1500)).toBe("elevated");
    expect(load.update(calm, T0 + 1900)).toBe("normal");
  });
});
