import { describe, expect, it } from "vitest";
import { RecentLoad } from "../../../worker/admission/recent-load";

function withClock(freshForMs: number, maxTenants?: number) {
  const clock = { now: 1000 };
  return { clock, recent: new RecentLoad(freshForMs, maxTenants, () => clock.now) };
}

describe("RecentLoad", () => {
  it("remembers a tenant's load level for a short while, then reads normal", () => {
    const { clock, recent } = withClock(2000);
    recent.note("t1", "elevated");
    clock.now = 2500;
    expect(recent.level("t1")).toBe("elevated");
    expect(recent.level("t2")).toBe("normal");
    clock.now = 3000;
    expect(recent.level("t1")).toBe("elevated");
    clock.now = 3001;
    expect(recent.level("t1")).toBe("normal");
  });

  it("forgets at once when the controller says normal", () => {
    const { clock, recent } = withClock(2000);
    recent.note("t1", "overloaded");
    clock.now = 1100;
    recent.note("t1", "normal");
    expect(recent.level("t1")).toBe("normal");
  });

  it("keeps a bounded number of tenants", () => {
    const { recent } = withClock(2000, 2);
    for (const id of ["a", "b", "c"]) recent.note(id, "elevated");
    expect(["a", "b", "c"].map((id) => recent.level(id))).toEqual(["normal", "elevated", "elevated"]);
  });

  it("spends no room on tenants at normal, so their news never pushes out a degraded tenant", () => {
    const { recent } = withClock(2000, 2);
    recent.note("a", "elevated");
    recent.note("b", "overloaded");
    recent.note("c", "normal");
    expect(["a", "b", "c"].map((id) => recent.level(id))).toEqual(["elevated", "overloaded", "normal"]);
  });
});
