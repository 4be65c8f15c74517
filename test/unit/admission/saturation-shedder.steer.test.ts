import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REQUEST_PRIORITIES } from "../../../durable-objects/contracts/admission";
import { DEFAULT_SHEDDER, MAX_PASS_SCALE, SaturationShedder } from "../../../durable-objects/admission/saturation-shedder";
import { T0 } from "./support";

const WINDOW = DEFAULT_SHEDDER.windowMs;

/** A shedder fed lag until its level reaches `minLevel` (exact values are the rise rule's). */
function shedderAtLevel(minLevel: number): { shedder: SaturationShedder; now: number } {
  const shedder = new SaturationShedder({ ...DEFAULT_SHEDDER, minArrivalsPerSec: 0 });
  let now = T0;
  while (shedder.level < minLevel) {
    now += WINDOW;
    shedder.observeLag(1.2 * DEFAULT_SHEDDER.targetMs, now);
  }
  return { shedder, now };
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

describe("SaturationShedder with the governor's pass scale", () => {
  it("multiplies the chance that a request of the class the level sheds part of passes, within the bounds", () => {
    const { shedder } = shedderAtLevel(1.2);
    const level = shedder.level;
    const pass = 1 - clamp01(level - 1);
    shedder.setPassScale(2);
    expect(shedder.passScale).toBe(2);
    expect(shedder.level).toBe(level);
    expect(1 - shedder.shedProbability("normal")).toBeCloseTo(Math.min(1, 2 * pass), 10);
    shedder.setPassScale(0.25);
    expect(1 - shedder.shedProbability("normal")).toBeCloseTo(0.25 * pass, 10);
    shedder.setPassScale(100);
    expect(shedder.passScale).toBe(MAX_PASS_SCALE);
    expect(shedder.shedProbability("normal")).toBe(0);
    shedder.setPassScale(0);
    expect(shedder.passScale).toBe(1);
    shedder.setPassScale(1e-9);
    expect(shedder.passScale).toBe(1 / MAX_PASS_SCALE);
    shedder.setPassScale(Number.NaN);
    expect(shedder.passScale).toBe(1);
  });

  it("leaves a class the level spares spared and one it sheds entirely shed, critical never shed, whatever the scale", () => {
    const { shedder } = shedderAtLevel(1.2);
    for (const scale of [1 / MAX_PASS_SCALE, MAX_PASS_SCALE]) {
      shedder.setPassScale(scale);
      expect(shedder.shedProbability("low")).toBe(1);
      expect(shedder.shedProbability("high")).toBe(0);
      expect(shedder.shedProbability("critical")).toBe(0);
    }
    const idle = new SaturationShedder({ ...DEFAULT_SHEDDER, minArrivalsPerSec: 0 });
    idle.setPassScale(1 / MAX_PASS_SCALE);
    for (const p of REQUEST_PRIORITIES) expect(idle.shedProbability(p)).toBe(0);
  });

  it("keeps every shed probability in [0, 1], ordered by priority, critical never shed, whatever the scale", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 3, noNaN: true }), fc.double({ min: -40, max: 40, noNaN: true }), (minLevel, log2Scale) => {
        const { shedder } = shedderAtLevel(minLevel);
        shedder.setPassScale(2 ** log2Scale);
        const p = REQUEST_PRIORITIES.map((priority) => shedder.shedProbability(priority));
        for (const v of p) expect(v).toBeGreaterThanOrEqual(0);
        for (const v of p) expect(v).toBeLessThanOrEqual(1);
        expect(shedder.shedProbability("critical")).toBe(0);
        expect(shedder.shedProbability("low")).toBeGreaterThanOrEqual(shedder.shedProbability("normal"));
        expect(shedder.shedProbability("normal")).toBeGreaterThanOrEqual(shedder.shedProbability("high"));
      }),
    );
  });

  it("counts what it shed", () => {
    const { shedder, now } = shedderAtLevel(1.5);
    let shed = 0;
    for (let i = 0; i < 100; i++) if (shedder.shouldShed("normal", i / 100, now)) shed++;
    expect(shed).toBeGreaterThan(0);
    expect(shedder.shedTotal).toBe(shed);
  });
});
