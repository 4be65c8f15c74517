import { describe, expect, it } from "vitest";
import { LoadLevelTracker } from "../../../durable-objects/admission/load-level";
import { T0 } from "./support";

const S = 100;

describe("LoadLevelTracker", () => {
  it("rises at once: elevated on high utilisation, overloaded on a standing queue", () => {
    const load = new LoadLevelTracker();
    expect(load.update({ utilisation: 0.5, queueDelayMs: 0, serviceMs: S }, T0)).toBe("normal");
    expect(load.update({ utilisation: 0.95, queueDelayMs: 0, serviceMs: S }, T0 + 1)).toBe("elevated");
    expect(load.update({ utilisation: 1, queueDelayMs: 4 * S, serviceMs: S }, T0 + 2)).toBe("overloaded");
  });

  it("goes from normal straight to overloaded when the queue already stands", () => {
    const load = new LoadLevelTracker();
    expect(load.update({ utilisation: 1, queueDelayMs: 1000, serviceMs: S }, T0)).toBe("overloaded");
  });

  it("falls one level at a time, only after the hold time and below the lower threshold", () => {
    const load = new LoadLevelTracker();
    load.update({ utilisation: 1, queueDelayMs: 500, serviceMs: S }, T0);
    // Below the overload entry (4 S) but not below its exit (2 S): stays.
    expect(load.update({ utilisation: 1, queueDelayMs: 300, serviceMs: S }, T0 + 5000)).toBe("overloaded");
    // Calm, and the last overload sign is older than the hold time: one level down.
    expect(load.update({ utilisation: 1, queueDelayMs: 0, serviceMs: S }, T0 + 5500)).toBe("elevated");
    // Calm again, but within the hold time of the last move.
    expect(load.update({ utilisation: 0.5, queueDelayMs: 0, serviceMs: S }, T0 + 5600)).toBe("elevated");
    expect(load.update({ utilisation: 0.5, queueDelayMs: 0, serviceMs: S }, T0 + 6600)).toBe("normal");
  });

  it("does not flap between levels on a utilisation hovering around the threshold", () => {
    const load = new LoadLevelTracker();
    const levels = new Set<string>();
    for (let i = 0; i < 100; i++) levels.add(load.update({ utilisation: i % 2 ? 0.92 : 0.8, queueDelayMs: 0, serviceMs: S }, T0 + i * 10));
    expect([...levels]).toEqual(["normal", "elevated"].slice(0, levels.size));
    expect(load.level).toBe("elevated");
  });

  it("keeps absolute floors so microsecond service times do not make every wait an overload", () => {
    const load = new LoadLevelTracker();
    expect(load.update({ utilisation: 0.5, queueDelayMs: 30, serviceMs: 1 }, T0)).toBe("elevated");
    expect(load.update({ utilisation: 0.5, queueDelayMs: 49, serviceMs: 1 }, T0 + 1)).toBe("elevated");
  });
});
