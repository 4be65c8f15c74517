import { describe, expect, it } from "vitest";
import { addCounts, breakdown, evaluate, fmt, median, pct, ratio } from "../../../bench/lib/stats";

describe("bench stats", () => {
  it("takes the median of an odd and an even count, unmoved by one outlier, NaN for none", () => {
    expect(median([0.97, 0.79, 1.02])).toBe(0.97);
    expect(median([5, 1, 3, 1000])).toBe(4);
    expect(median([])).toBeNaN();
    expect(median([1, Number.NaN, 2])).toBeNaN();
  });

  it("groups status counts the way the issue reports them", () => {
    const b = breakdown({ "200": 90, "201": 5, "429": 2, "503": 1, "0": 1, "500": 1 });
    expect(b).toMatchObject({ total: 100, success: 95, rateLimited: 2, overloaded: 1, transportErrors: 1, otherErrors: 1 });
    expect(b.successPct).toBe(95);
    expect(b.rateLimitedPct).toBe(2);
    expect(b.overloadedPct).toBe(1);
  });

  it("never reports 0 % of nothing", () => {
    expect(breakdown({}).successPct).toBeNaN();
    expect(pct(1, 0)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
    expect(ratio(3, 4)).toBe(0.75);
    expect(fmt(Number.NaN)).toBe("n/a");
    expect(fmt(1.234, 2)).toBe("1.23");
  });

  it("adds status counts", () => {
    expect(addCounts({ "200": 1 }, { "200": 2, "503": 1 })).toEqual({ "200": 3, "503": 1 });
  });

  it("evaluates targets as met, not met, or not measured", () => {
    const t = { id: "x", description: "d", unit: "%", threshold: 90 } as const;
    expect(evaluate({ ...t, op: ">=", value: 90 }).status).toBe("met");
    expect(evaluate({ ...t, op: ">=", value: 89.9 }).status).toBe("not met");
    expect(evaluate({ ...t, op: "<=", value: 91 }).status).toBe("not met");
    expect(evaluate({ ...t, op: "==", threshold: 0, value: 0 }).status).toBe("met");
    expect(evaluate({ ...t, op: ">=", value: Number.NaN }).status).toBe("not measured");
    expect(evaluate({ ...t, op: ">=", value: undefined }).status).toBe("not measured");
  });
});
