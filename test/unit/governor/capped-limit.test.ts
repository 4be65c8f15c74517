import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AimdLimit } from "../../../durable-objects/admission/aimd";
import { Gradient2Limit } from "../../../durable-objects/admission/gradient2";
import { CappedLimit } from "../../../durable-objects/governor/capped-limit";

const bounds = { min: 1, max: 100 };
const aimd = (limit: number): AimdLimit => new AimdLimit(bounds, { initialLimit: limit });

describe("CappedLimit", () => {
  it("answers the learned limit while no cap is set, and min(learned, cap) once one is", () => {
    const capped = new CappedLimit(aimd(20));
    expect(capped.cap).toBeUndefined();
    expect(capped.current).toBe(20);
    capped.setCap(7);
    expect(capped.cap).toBe(7);
    expect(capped.current).toBe(7);
    expect(capped.learned).toBe(20);
    capped.setCap(50);
    expect(capped.current).toBe(20);
    capped.setCap(undefined);
    expect(capped.cap).toBeUndefined();
    expect(capped.current).toBe(20);
  });

  it("caps the settled limit too, and a Gradient2 probe's dip shows in current only", () => {
    const capped = new CappedLimit(new Gradient2Limit(bounds, { initialLimit: 40, probeInterval: 1 }));
    capped.onSample({ rttMs: 10, inflight: 40, dropped: false });
    expect(capped.current).toBeLessThan(capped.settled);
    expect(capped.settled).toBeGreaterThanOrEqual(40);
    capped.setCap(12);
    expect(capped.settled).toBe(12);
    expect(new CappedLimit(aimd(20)).settled).toBe(20);
  });

  it("keeps a cap a whole number >= 1, and reads a non-finite one as no cap", () => {
    const capped = new CappedLimit(aimd(20));
    capped.setCap(3.9);
    expect(capped.cap).toBe(3);
    capped.setCap(0.5);
    expect(capped.cap).toBe(1);
    capped.setCap(-4);
    expect(capped.cap).toBe(1);
    expect(capped.current).toBe(1);
    for (const cap of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      capped.setCap(5);
      capped.setCap(cap);
      expect(capped.cap).toBeUndefined();
      expect(capped.current).toBe(20);
    }
  });

  it("is never above the cap nor the learned limit, and equals the smaller of the two", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: -10, max: 200, noNaN: true }), (learned, cap) => {
        const capped = new CappedLimit(aimd(learned));
        capped.setCap(cap);
        expect(capped.current).toBe(Math.min(learned, Math.max(1, Math.floor(cap))));
      }),
    );
  });

  it("lets the inner limit keep learning under the cap, and answers each sample with the capped limit", () => {
    const inner = aimd(10);
    const capped = new CappedLimit(inner);
    capped.setCap(4);
    // Ten full-slot successes add about one slot to AIMD's estimate of 10.
    for (let i = 0; i < 10; i++) expect(capped.onSample({ rttMs: 5, inflight: 10, dropped: false })).toBe(4);
    expect(capped.learned).toBe(10);
    expect(capped.onSample({ rttMs: 5, inflight: 10, dropped: false })).toBe(4);
    expect(inner.current).toBe(11);
    expect(capped.learned).toBe(11);
    capped.setCap(undefined);
    expect(capped.current).toBe(11);
    expect(capped.onSample({ rttMs: 5, inflight: 10, dropped: true })).toBe(inner.current);
  });

  it("passes bounds, snapshot and algorithm through to the inner limit", () => {
    const inner = aimd(30);
    const capped = new CappedLimit(inner);
    capped.setCap(10);
    expect(capped.algorithm).toBe("aimd");
    capped.setBounds({ min: 2, max: 8 });
    expect(inner.current).toBe(8);
    expect(capped.current).toBe(8);
    // The snapshot is the inner limit's, uncapped: what was learned is what is persisted.
    capped.setBounds({ min: 2, max: 100 });
    expect(capped.snapshot()).toEqual({ algorithm: "aimd", limit: 8 });
    expect(new CappedLimit(new Gradient2Limit(bounds)).algorithm).toBe("gradient2");
  });

  it("carries its cap over to another inner limit (the quota switched algorithms)", () => {
    const capped = new CappedLimit(aimd(30));
    capped.setCap(6);
    const next = capped.over(new Gradient2Limit(bounds, { initialLimit: 40 }));
    expect(next).not.toBe(capped);
    expect(next.algorithm).toBe("gradient2");
    expect(next.cap).toBe(6);
    expect(next.current).toBe(6);
    expect(next.learned).toBe(40);
    expect(new CappedLimit(aimd(30)).over(aimd(12)).cap).toBeUndefined();
  });
});
